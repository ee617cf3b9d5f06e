//! Drawing reviewers by lot. No I/O: the same seed and participants give the same draw on any
//! machine and either database.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Largest seed accepted, so that a seed survives a round trip through any JSON parser.
pub const MAX_SEED: i64 = (1 << 53) - 1;

/// `(reviewed, reviewer)` pairs: every participant is reviewed by `k` others and reviews `k`
/// others (perfectly balanced); nobody reviews itself; and as few pairs of countries review
/// each other as `n` and `k` allow ([`fewest_mutual_pairs`]): none while `k ≤ (n − 1) / 2`.
///
/// The participants are put in an order drawn from the seed, and each is reviewed by those
/// `d` places after it for `k` distinct offsets `d`. Offsets `d` and `n − d` together make `n`
/// mutual pairs (`n / 2` for `d = n / 2`), so the offsets are drawn one from each such class
/// first, then `n / 2`, and only then the complements of offsets already taken.
pub fn draw(participants: &[String], k: usize, seed: u64) -> Result<Vec<(String, String)>, String> {
    let mut order: Vec<String> = participants.to_vec();
    order.sort();
    order.dedup();
    let n = order.len();
    if n < 2 {
        return Err(format!(
            "a draw needs at least two participants; the round has {n}"
        ));
    }
    if k == 0 {
        return Err("each country needs at least one reviewer".into());
    }
    if k > n - 1 {
        return Err(format!(
            "{k} reviewers per country need at least {} participants; the round has {n}",
            k + 1
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    order.shuffle(&mut rng);
    // One offset of each class {d, n − d} (d < n / 2), in a drawn order, each side drawn.
    let mut classes: Vec<usize> = (1..=(n - 1) / 2).collect();
    classes.shuffle(&mut rng);
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    let mut complements: Vec<usize> = Vec::new();
    for d in classes {
        let (first, second) = if rng.gen_bool(0.5) {
            (d, n - d)
        } else {
            (n - d, d)
        };
        chosen.push(first);
        complements.push(second);
    }
    if n.is_multiple_of(2) {
        chosen.push(n / 2);
    }
    chosen.extend(complements);
    chosen.truncate(k);
    let mut pairs = Vec::with_capacity(n * k);
    for (i, reviewed) in order.iter().enumerate() {
        for d in &chosen {
            pairs.push((reviewed.clone(), order[(i + d) % n].clone()));
        }
    }
    pairs.sort();
    Ok(pairs)
}

/// Draws a new order from the seed this many times at most before saying that the declared
/// conflicts of interest leave no draw.
pub const CONFLICT_ATTEMPTS: u64 = 500;

/// Like [`draw`], and no reviewer is given a country in `barred[reviewer]` (the countries every
/// expert of the reviewer declared a conflict of interest with). The seed's own draw comes first;
/// while it gives a barred pair, the next is drawn from the seed's `attempt`-th successor, so the
/// same seed and the same conflicts give the same draw. Every draw tried has the fewest mutual
/// pairs, so the one kept has too.
pub fn draw_avoiding(
    participants: &[String],
    k: usize,
    seed: u64,
    barred: &std::collections::HashMap<String, std::collections::HashSet<String>>,
) -> Result<Vec<(String, String)>, String> {
    let allowed = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .all(|(reviewed, reviewer)| barred.get(reviewer).is_none_or(|b| !b.contains(reviewed)))
    };
    for attempt in 0..CONFLICT_ATTEMPTS {
        let pairs = draw(
            participants,
            k,
            seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )?;
        if allowed(&pairs) {
            return Ok(pairs);
        }
    }
    Err(format!(
        "the declared conflicts of interest leave no draw of {k} reviewers per country: \
         {CONFLICT_ATTEMPTS} orders were tried; fewer conflicts or more participants are needed"
    ))
}

/// The fewest pairs of countries that must review each other when each of `n` is reviewed by
/// `k` others: `n·k` reviews over `n(n − 1)/2` pairs of countries.
pub fn fewest_mutual_pairs(n: usize, k: usize) -> usize {
    (n * k).saturating_sub(n * n.saturating_sub(1) / 2)
}

/// The pairs of countries that review each other in `pairs`.
pub fn mutual_pairs(pairs: &[(String, String)]) -> usize {
    let set: std::collections::HashSet<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    pairs
        .iter()
        .filter(|(a, b)| a < b && set.contains(&(b.as_str(), a.as_str())))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn countries(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("C{i:02}")).collect()
    }

    #[test]
    fn conflicts_are_avoided_and_the_same_seed_gives_the_same_draw() {
        let ps = countries(7);
        let mut barred: HashMap<String, HashSet<String>> = HashMap::new();
        barred.insert("C01".into(), ["C00", "C02", "C03"].map(String::from).into());
        barred.insert("C04".into(), ["C05".to_string()].into());
        for seed in 0..40u64 {
            let pairs = draw_avoiding(&ps, 2, seed, &barred).unwrap();
            assert_eq!(pairs.len(), 14);
            for (reviewed, reviewer) in &pairs {
                assert!(!barred.get(reviewer).is_some_and(|b| b.contains(reviewed)));
            }
            assert_eq!(mutual_pairs(&pairs), 0);
            assert_eq!(pairs, draw_avoiding(&ps, 2, seed, &barred).unwrap());
        }
        // Without conflicts, the seed's own draw.
        assert_eq!(
            draw_avoiding(&ps, 2, 9, &HashMap::new()).unwrap(),
            draw(&ps, 2, 9).unwrap()
        );
        // Everyone barred from C00: no draw.
        let all: HashMap<String, HashSet<String>> = ps
            .iter()
            .map(|c| (c.clone(), ["C00".to_string()].into()))
            .collect();
        assert!(draw_avoiding(&ps, 2, 1, &all)
            .unwrap_err()
            .contains("conflicts of interest"));
    }

    #[test]
    fn properties_hold_for_every_size_and_many_seeds() {
        for n in 2..=35 {
            let ps = countries(n);
            for k in 1..=4.min(n - 1) {
                for seed in 0..40u64 {
                    let pairs = draw(&ps, k, seed * 7919 + n as u64).unwrap();
                    assert_eq!(pairs.len(), n * k);
                    let set: HashSet<&(String, String)> = pairs.iter().collect();
                    assert_eq!(set.len(), pairs.len(), "no pair twice");
                    let mut reviewed: HashMap<&str, usize> = HashMap::new();
                    let mut reviews: HashMap<&str, usize> = HashMap::new();
                    for (a, b) in &pairs {
                        assert_ne!(a, b, "nobody reviews itself");
                        *reviewed.entry(a).or_default() += 1;
                        *reviews.entry(b).or_default() += 1;
                        if 2 * k < n {
                            assert!(
                                !set.contains(&(b.clone(), a.clone())),
                                "no reciprocity with n={n} k={k} seed={seed}"
                            );
                        }
                    }
                    assert_eq!(reviewed.len(), n);
                    assert!(reviewed.values().all(|&v| v == k));
                    let (lo, hi) = (
                        reviews.values().min().copied().unwrap_or(0),
                        reviews.values().max().copied().unwrap_or(0),
                    );
                    assert!(hi - lo <= 1, "balanced load: {lo}..{hi}");
                    assert_eq!(
                        mutual_pairs(&pairs),
                        fewest_mutual_pairs(n, k),
                        "the fewest mutual pairs with n={n} k={k} seed={seed}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_seed_decides_and_input_order_does_not() {
        let ps = countries(12);
        let mut reversed = ps.clone();
        reversed.reverse();
        assert_eq!(draw(&ps, 2, 42).unwrap(), draw(&reversed, 2, 42).unwrap());
        let distinct: HashSet<Vec<(String, String)>> =
            (0..20).map(|s| draw(&ps, 2, s).unwrap()).collect();
        assert!(distinct.len() > 10, "seeds give different draws");
    }

    #[test]
    fn the_fewest_mutual_pairs() {
        assert_eq!(fewest_mutual_pairs(4, 2), 2);
        assert_eq!(fewest_mutual_pairs(6, 3), 3);
        assert_eq!(fewest_mutual_pairs(5, 2), 0);
        assert_eq!(fewest_mutual_pairs(5, 4), 10);
        for seed in 0..30 {
            assert_eq!(mutual_pairs(&draw(&countries(4), 2, seed).unwrap()), 2);
            assert_eq!(mutual_pairs(&draw(&countries(6), 3, seed).unwrap()), 3);
        }
    }

    #[test]
    fn impossible_draws_say_why() {
        assert!(draw(&countries(1), 1, 1)
            .unwrap_err()
            .contains("at least two"));
        assert!(draw(&countries(3), 3, 1)
            .unwrap_err()
            .contains("at least 4"));
        assert!(draw(&countries(3), 0, 1).is_err());
    }
}
