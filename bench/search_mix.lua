-- The mixed load of bench/run.sh: each request draws its own search or read, as a population
-- of users would, never one request repeated. bench/run.sh prepends bench/threads.lua (a seed
-- per wrk thread) and `local words = {...}` (the Guide's vocabulary, bench/experiences.py),
-- and sets through the environment:
--   MIX     search (default): GET /experiences?q=… with 1–3 words and random filters
--           read: GET /experiences/{id} of a random published experience
--           mixed: 70 % searches, 30 % reads
--   TOKENS  comma-separated access tokens; each request sends one at random (none: anonymous)
--   FIRST, LAST  the published experiences' ids, for reads
--   STYLE   ours (default), or directus: the same draws as Directus requests them
--           (bench/peers/ab.sh): `/items/experiences?search=…&filter[…]`, a subregion as the
--           list of its countries (Directus holds no subregion)
local mix = os.getenv("MIX") or "search"
local directus = os.getenv("STYLE") == "directus"
local first = tonumber(os.getenv("FIRST") or "1")
local last = tonumber(os.getenv("LAST") or "1")
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS") or "", "[^,]+") do
    tokens[#tokens + 1] = t
end

local areas = {"long-term-vision", "national-planning", "public-budget", "civil-service",
    "coordination", "policy-evaluation", "regulatory-frameworks", "transparency-accountability",
    "ict", "decentralization", "public-services-quality", "citizen-participation"}
local countries = {"ARG", "BOL", "BRA", "CAN", "CHL", "COL", "CRI", "DOM", "ECU", "GTM", "HND",
    "JAM", "MEX", "PAN", "PER", "PRY", "SLV", "TTO", "URY", "USA"}
local subregions = {"north_america", "central_america", "caribbean", "andean", "southern_cone"}
local languages = {"es", "en", "fr", "pt"}
local members = {
    north_america = "CAN,MEX,USA",
    central_america = "BLZ,CRI,GTM,HND,NIC,PAN,SLV",
    caribbean = "ATG,BHS,BRB,CUB,DMA,DOM,GRD,GUY,HTI,JAM,KNA,LCA,SUR,TTO,VCT",
    andean = "BOL,COL,ECU,PER,VEN",
    southern_cone = "ARG,BRA,CHL,PRY,URY",
}

-- Zipf: the k-th word with weight 1/k, as the experiences' texts were written.
local cumulative, total = {}, 0
for k = 1, #words do
    total = total + 1 / k
    cumulative[k] = total
end
local function zipf_word()
    local x, lo, hi = math.random() * total, 1, #words
    while lo < hi do
        local mid = math.floor((lo + hi) / 2)
        if cumulative[mid] < x then lo = mid + 1 else hi = mid end
    end
    return words[lo]
end

-- Users type without accents, or capitalised, as often as not.
local plain = {["á"] = "a", ["é"] = "e", ["í"] = "i", ["ó"] = "o", ["ú"] = "u", ["ñ"] = "n"}
local function typed(w)
    local r = math.random()
    if r < 0.4 then
        for from, to in pairs(plain) do w = string.gsub(w, from, to) end
    elseif r < 0.6 then
        w = string.upper(string.sub(w, 1, 1)) .. string.sub(w, 2)
    end
    return w
end

local function encode(s)
    return (string.gsub(s, "[^%w%-_%.~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

local function pick(list) return list[math.random(#list)] end

local function search_path()
    local q = {}
    for _ = 1, math.random(3) do q[#q + 1] = typed(zipf_word()) end
    local words = encode(table.concat(q, " "))
    local area = math.random() < 0.5 and pick(areas)
    local country = math.random() < 0.2 and pick(countries)
    local subregion = math.random() < 0.15 and pick(subregions)
    local language = math.random() < 0.2 and pick(languages)
    if directus then
        local path = "/items/experiences?limit=20&search=" .. words
        if area then path = path .. "&filter[thematic_area][_eq]=" .. area end
        if country then path = path .. "&filter[country][_eq]=" .. country end
        if subregion then path = path .. "&filter[country][_in]=" .. members[subregion] end
        if language then path = path .. "&filter[language][_eq]=" .. language end
        return path
    end
    local path = "/api/v1/experiences?limit=20&q=" .. words
    if area then path = path .. "&thematic_area=" .. area end
    if country then path = path .. "&country=" .. country end
    if subregion then path = path .. "&subregion=" .. subregion end
    if language then path = path .. "&language=" .. language end
    return path
end

local function read_path()
    local id = math.random(first, last)
    return (directus and "/items/experiences/" or "/api/v1/experiences/") .. id
end

request = function()
    local path
    if mix == "read" or (mix == "mixed" and math.random() < 0.3) then
        path = read_path()
    else
        path = search_path()
    end
    local headers = {}
    if #tokens > 0 then headers["Authorization"] = "Bearer " .. pick(tokens) end
    return wrk.format("GET", path, headers)
end

-- wrk counts non-2xx answers apart; say so, so that a run that measured errors shows it.
done = function(summary)
    if summary.errors.status > 0 then
        io.stderr:write(string.format("non-2xx/3xx answers: %d\n", summary.errors.status))
    end
end
