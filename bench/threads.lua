-- Prepended to the wrk scripts of bench/run.sh and bench/peers/ab.sh: each of wrk's threads
-- draws its own random sequence. With one seed for all, the threads asked for the same ids in
-- step, and every second read found the first one's answer kept.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("seed", 7 + threads)
end
function init(args)
    math.randomseed(seed)
end
