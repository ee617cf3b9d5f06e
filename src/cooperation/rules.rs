//! The cooperation cycle's state machines, its vocabularies and how suggestions are ranked.
//! No I/O.

use std::collections::BTreeSet;

use crate::http::lang::Lang;
use crate::lifecycle::Lifecycle;
pub use crate::statuses::{CooperationStatus, NeedStatus, OfferStatus, Side};

pub const MAX_TITLE: usize = 300;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_NOTE: usize = 2000;
pub const MAX_LINKS: usize = 50;
pub const MAX_ACTIVITIES: usize = 100;

crate::stored_enum! {
    /// What kind of help a need asks for, an offer gives or an activity is.
    pub enum NeedKind {
        TechnicalAssistance = "technical_assistance",
        Training = "training",
        PeerExchange = "peer_exchange",
        StudyVisit = "study_visit",
        ExpertMission = "expert_mission",
        Documentation = "documentation",
    }
}

crate::stored_enum! {
    pub enum Priority {
        High = "high",
        Medium = "medium",
        Low = "low",
    }
}

crate::stored_enum! {
    /// How the help is given: in person, virtually, or either.
    pub enum Modality {
        InPerson = "in_person",
        Virtual = "virtual",
        Either = "either",
    }
}

impl Modality {
    /// Whether help given this way suits a need that asks for `wanted`.
    pub fn suits(self, wanted: Modality) -> bool {
        self == Modality::Either || wanted == Modality::Either || self == wanted
    }
}

crate::stored_enum! {
    /// What a partner organisation is.
    pub enum PartnerKind {
        OasDepartment = "oas_department",
        DevelopmentBank = "development_bank",
        University = "university",
        Agency = "agency",
        Other = "other",
    }
}

/// A need's lifecycle actions (`POST /needs/{id}/<action>`). A need also moves when its
/// cooperations do: to `in_cooperation` when one is agreed, to `met` when one completes, back
/// to `open` when its last active one is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedAction {
    Open,
    Withdraw,
    Close,
}

impl Lifecycle for NeedAction {
    type Status = NeedStatus;
    const ALL: &'static [NeedAction] = &[NeedAction::Open, NeedAction::Withdraw, NeedAction::Close];

    fn event(self) -> &'static str {
        match self {
            NeedAction::Open => "opened",
            NeedAction::Withdraw => "withdrawn",
            NeedAction::Close => "met",
        }
    }

    fn name(self) -> &'static str {
        match self {
            NeedAction::Open => "open",
            NeedAction::Withdraw => "withdraw",
            NeedAction::Close => "close",
        }
    }

    fn from(self) -> &'static [NeedStatus] {
        match self {
            NeedAction::Open => &[NeedStatus::Draft],
            NeedAction::Withdraw => &[NeedStatus::Draft, NeedStatus::Open],
            NeedAction::Close => &[NeedStatus::Open],
        }
    }

    fn to(self) -> NeedStatus {
        match self {
            NeedAction::Open => NeedStatus::Open,
            NeedAction::Withdraw => NeedStatus::Withdrawn,
            NeedAction::Close => NeedStatus::Met,
        }
    }

    fn status_name(status: NeedStatus) -> &'static str {
        status.as_str()
    }
}

/// Whether a need's content may still change.
pub fn need_editable(status: NeedStatus) -> bool {
    matches!(status, NeedStatus::Draft | NeedStatus::Open)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferAction {
    Open,
    Close,
}

impl Lifecycle for OfferAction {
    type Status = OfferStatus;
    const ALL: &'static [OfferAction] = &[OfferAction::Open, OfferAction::Close];

    fn event(self) -> &'static str {
        match self {
            OfferAction::Open => "opened",
            OfferAction::Close => "closed",
        }
    }

    fn name(self) -> &'static str {
        match self {
            OfferAction::Open => "open",
            OfferAction::Close => "close",
        }
    }

    fn from(self) -> &'static [OfferStatus] {
        match self {
            OfferAction::Open => &[OfferStatus::Draft],
            OfferAction::Close => &[OfferStatus::Draft, OfferStatus::Open],
        }
    }

    fn to(self) -> OfferStatus {
        match self {
            OfferAction::Open => OfferStatus::Open,
            OfferAction::Close => OfferStatus::Closed,
        }
    }

    fn status_name(status: OfferStatus) -> &'static str {
        status.as_str()
    }
}

/// A cooperation's lifecycle actions. `agree` records one side's agreement: the cooperation
/// stays `proposed` until both sides have agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CooperationAction {
    Agree,
    Start,
    Complete,
    Cancel,
}

impl Lifecycle for CooperationAction {
    type Status = CooperationStatus;
    const ALL: &'static [CooperationAction] = &[
        CooperationAction::Agree,
        CooperationAction::Start,
        CooperationAction::Complete,
        CooperationAction::Cancel,
    ];

    fn event(self) -> &'static str {
        match self {
            CooperationAction::Agree => "agreed",
            CooperationAction::Start => "started",
            CooperationAction::Complete => "completed",
            CooperationAction::Cancel => "cancelled",
        }
    }

    fn name(self) -> &'static str {
        match self {
            CooperationAction::Agree => "agree",
            CooperationAction::Start => "start",
            CooperationAction::Complete => "complete",
            CooperationAction::Cancel => "cancel",
        }
    }

    fn from(self) -> &'static [CooperationStatus] {
        use CooperationStatus as S;
        match self {
            CooperationAction::Agree => &[S::Proposed],
            CooperationAction::Start => &[S::Agreed],
            CooperationAction::Complete => &[S::InProgress],
            CooperationAction::Cancel => &[S::Proposed, S::Agreed, S::InProgress],
        }
    }

    fn to(self) -> CooperationStatus {
        use CooperationStatus as S;
        match self {
            CooperationAction::Agree => S::Agreed,
            CooperationAction::Start => S::InProgress,
            CooperationAction::Complete => S::Completed,
            CooperationAction::Cancel => S::Cancelled,
        }
    }

    fn status_name(status: CooperationStatus) -> &'static str {
        status.as_str()
    }
}

/// Whether a cooperation's plan (title, description, activities) may still change.
pub fn plan_editable(status: CooperationStatus) -> bool {
    matches!(
        status,
        CooperationStatus::Proposed | CooperationStatus::Agreed | CooperationStatus::InProgress
    )
}

// ---- suggestions ---------------------------------------------------------------------------

/// Words too common to say anything about what a need is about, in the four languages.
const STOP_WORDS: &[&str] = &[
    "about", "also", "been", "but", "com", "como", "con", "dans", "das", "de", "del", "den", "des",
    "does", "dos", "each", "elle", "este", "esta", "estos", "from", "have", "into", "las", "les",
    "los", "more", "muy", "nas", "need", "needs", "nos", "our", "para", "pela", "pelo", "por",
    "pour", "que", "qui", "sobre", "some", "such", "sur", "than", "that", "the", "their", "them",
    "there", "these", "they", "this", "those", "through", "una", "uno", "very", "what", "when",
    "which", "while", "with", "within", "without", "would", "your",
];

/// Most words taken from a need or an offer to look for similar texts.
pub const MAX_SIMILARITY_WORDS: usize = 24;

fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        c => c,
    }
}

/// The words of `text` that carry meaning: lower-cased, accents folded, four letters or more,
/// no stop words, first occurrence first.
pub fn significant_words(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        let w: String = w.to_lowercase().chars().map(fold).collect();
        if w.chars().count() < 4 || w.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if STOP_WORDS.contains(&w.as_str()) || !seen.insert(w.clone()) {
            continue;
        }
        out.push(w);
    }
    out
}

/// A crude stem for telling which words two texts share: the first six letters.
fn stem(w: &str) -> String {
    w.chars().take(6).collect()
}

/// The words of `wanted` found in `text` (by their first six letters), in `wanted`'s order.
pub fn matched_words(wanted: &[String], text: &str) -> Vec<String> {
    let have: BTreeSet<String> = significant_words(text).iter().map(|w| stem(w)).collect();
    wanted
        .iter()
        .filter(|w| have.contains(&stem(w)))
        .cloned()
        .collect()
}

/// What a suggestion is ranked by.
#[derive(Debug, Clone, Default)]
pub struct Fit {
    pub same_area: bool,
    /// The full-text engine's relevance relative to the best candidate of the same kind: 1 for
    /// the closest text, 0 when the texts share nothing. (Ranks of different indexes have no
    /// common scale.)
    pub text_rank: f64,
    pub common_languages: Vec<Lang>,
    /// Recommendations in the area that the candidate's country has implemented.
    pub implemented: i64,
    pub modality_suits: bool,
}

/// Ranks relative to the best: each divided by the highest (all 0 when none is positive).
pub fn relative(ranks: &mut std::collections::HashMap<i64, f64>) {
    let best = ranks.values().copied().fold(0.0_f64, f64::max);
    for r in ranks.values_mut() {
        *r = if best > 0.0 {
            (*r / best).max(0.0)
        } else {
            0.0
        };
    }
}

/// A suggestion's score, out of 98: the same thematic area (50) outweighs everything else
/// together; then text similarity (up to 25), a language in common (10), implemented
/// recommendations in the area (2 each, up to 8) and a suitable modality (5).
pub fn score(f: &Fit) -> f64 {
    let area = if f.same_area { 50.0 } else { 0.0 };
    let text = 25.0 * f.text_rank.clamp(0.0, 1.0);
    let language = if f.common_languages.is_empty() {
        0.0
    } else {
        10.0
    };
    let implemented = 2.0 * (f.implemented.min(4) as f64);
    let modality = if f.modality_suits { 5.0 } else { 0.0 };
    ((area + text + language + implemented + modality) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{allowed, transition};

    #[test]
    fn need_lifecycle() {
        assert_eq!(
            allowed::<NeedAction>(NeedStatus::Draft),
            ["open", "withdraw"]
        );
        assert_eq!(
            allowed::<NeedAction>(NeedStatus::Open),
            ["withdraw", "close"]
        );
        assert!(allowed::<NeedAction>(NeedStatus::Met).is_empty());
        assert!(transition(NeedStatus::InCooperation, NeedAction::Close).is_err());
        assert_eq!(
            transition(NeedStatus::Open, NeedAction::Close).unwrap(),
            NeedStatus::Met
        );
    }

    #[test]
    fn cooperation_lifecycle() {
        use CooperationStatus as S;
        assert_eq!(
            allowed::<CooperationAction>(S::Proposed),
            ["agree", "cancel"]
        );
        assert_eq!(
            allowed::<CooperationAction>(S::InProgress),
            ["complete", "cancel"]
        );
        assert!(allowed::<CooperationAction>(S::Completed).is_empty());
        assert!(allowed::<CooperationAction>(S::Cancelled).is_empty());
        assert!(S::Agreed.is_active() && S::InProgress.is_active() && !S::Proposed.is_active());
    }

    #[test]
    fn words_fold_accents_and_drop_stop_words() {
        assert_eq!(
            significant_words("Gestión del presupuesto: the budget, 2027 Presupuesto"),
            ["gestion", "presupuesto", "budget"]
        );
        let wanted = significant_words("performance budgeting evaluation");
        assert_eq!(
            matched_words(&wanted, "Budget performance is evaluated"),
            ["performance", "budgeting", "evaluation"]
        );
    }

    #[test]
    fn area_outweighs_everything_else() {
        let same_area = Fit {
            same_area: true,
            ..Fit::default()
        };
        let close_text = Fit {
            text_rank: 1.0,
            common_languages: vec![Lang::Es],
            implemented: 10,
            modality_suits: true,
            ..Fit::default()
        };
        assert!(score(&same_area) > score(&close_text));
        assert!(
            score(&Fit {
                text_rank: 0.5,
                ..same_area.clone()
            }) > score(&same_area)
        );
    }
}
