//! The 35 member states of the OAS: ISO 3166-1 codes, names in the four official languages,
//! subregion as the mechanism groups them, and membership status.
//!
//! Status is reference data the secretariat may correct: Cuba is a member state that does
//! not participate in the Organization's activities; Nicaragua's withdrawal took effect in
//! November 2023.

use super::model::{Membership, Subregion};

pub struct CountryRef {
    pub code: &'static str,
    pub alpha2: &'static str,
    pub subregion: Subregion,
    pub membership: Membership,
    /// Names in en, es, fr, pt.
    pub names: [&'static str; 4],
}

const fn c(
    code: &'static str,
    alpha2: &'static str,
    subregion: Subregion,
    membership: Membership,
    names: [&'static str; 4],
) -> CountryRef {
    CountryRef {
        code,
        alpha2,
        subregion,
        membership,
        names,
    }
}

const NA: Subregion = Subregion::NorthAmerica;
const CA: Subregion = Subregion::CentralAmerica;
const CB: Subregion = Subregion::Caribbean;
const AN: Subregion = Subregion::Andean;
const SC: Subregion = Subregion::SouthernCone;
const ACTIVE: Membership = Membership::Active;

pub const COUNTRIES: [CountryRef; 35] = [
    c(
        "ATG",
        "AG",
        CB,
        ACTIVE,
        [
            "Antigua and Barbuda",
            "Antigua y Barbuda",
            "Antigua-et-Barbuda",
            "Antígua e Barbuda",
        ],
    ),
    c(
        "ARG",
        "AR",
        SC,
        ACTIVE,
        ["Argentina", "Argentina", "Argentine", "Argentina"],
    ),
    c(
        "BHS",
        "BS",
        CB,
        ACTIVE,
        ["The Bahamas", "Bahamas", "Bahamas", "Bahamas"],
    ),
    c(
        "BRB",
        "BB",
        CB,
        ACTIVE,
        ["Barbados", "Barbados", "Barbade", "Barbados"],
    ),
    c(
        "BLZ",
        "BZ",
        CA,
        ACTIVE,
        ["Belize", "Belice", "Belize", "Belize"],
    ),
    c(
        "BOL",
        "BO",
        AN,
        ACTIVE,
        ["Bolivia", "Bolivia", "Bolivie", "Bolívia"],
    ),
    c(
        "BRA",
        "BR",
        SC,
        ACTIVE,
        ["Brazil", "Brasil", "Brésil", "Brasil"],
    ),
    c(
        "CAN",
        "CA",
        NA,
        ACTIVE,
        ["Canada", "Canadá", "Canada", "Canadá"],
    ),
    c(
        "CHL",
        "CL",
        SC,
        ACTIVE,
        ["Chile", "Chile", "Chili", "Chile"],
    ),
    c(
        "COL",
        "CO",
        AN,
        ACTIVE,
        ["Colombia", "Colombia", "Colombie", "Colômbia"],
    ),
    c(
        "CRI",
        "CR",
        CA,
        ACTIVE,
        ["Costa Rica", "Costa Rica", "Costa Rica", "Costa Rica"],
    ),
    c(
        "CUB",
        "CU",
        CB,
        Membership::NotParticipating,
        ["Cuba", "Cuba", "Cuba", "Cuba"],
    ),
    c(
        "DMA",
        "DM",
        CB,
        ACTIVE,
        ["Dominica", "Dominica", "Dominique", "Dominica"],
    ),
    c(
        "DOM",
        "DO",
        CB,
        ACTIVE,
        [
            "Dominican Republic",
            "República Dominicana",
            "République dominicaine",
            "República Dominicana",
        ],
    ),
    c(
        "ECU",
        "EC",
        AN,
        ACTIVE,
        ["Ecuador", "Ecuador", "Équateur", "Equador"],
    ),
    c(
        "SLV",
        "SV",
        CA,
        ACTIVE,
        ["El Salvador", "El Salvador", "El Salvador", "El Salvador"],
    ),
    c(
        "GRD",
        "GD",
        CB,
        ACTIVE,
        ["Grenada", "Granada", "Grenade", "Granada"],
    ),
    c(
        "GTM",
        "GT",
        CA,
        ACTIVE,
        ["Guatemala", "Guatemala", "Guatemala", "Guatemala"],
    ),
    c(
        "GUY",
        "GY",
        CB,
        ACTIVE,
        ["Guyana", "Guyana", "Guyana", "Guiana"],
    ),
    c(
        "HTI",
        "HT",
        CB,
        ACTIVE,
        ["Haiti", "Haití", "Haïti", "Haiti"],
    ),
    c(
        "HND",
        "HN",
        CA,
        ACTIVE,
        ["Honduras", "Honduras", "Honduras", "Honduras"],
    ),
    c(
        "JAM",
        "JM",
        CB,
        ACTIVE,
        ["Jamaica", "Jamaica", "Jamaïque", "Jamaica"],
    ),
    c(
        "MEX",
        "MX",
        NA,
        ACTIVE,
        ["Mexico", "México", "Mexique", "México"],
    ),
    c(
        "NIC",
        "NI",
        CA,
        Membership::Withdrawn,
        ["Nicaragua", "Nicaragua", "Nicaragua", "Nicarágua"],
    ),
    c(
        "PAN",
        "PA",
        CA,
        ACTIVE,
        ["Panama", "Panamá", "Panama", "Panamá"],
    ),
    c(
        "PRY",
        "PY",
        SC,
        ACTIVE,
        ["Paraguay", "Paraguay", "Paraguay", "Paraguai"],
    ),
    c("PER", "PE", AN, ACTIVE, ["Peru", "Perú", "Pérou", "Peru"]),
    c(
        "KNA",
        "KN",
        CB,
        ACTIVE,
        [
            "Saint Kitts and Nevis",
            "Saint Kitts y Nevis",
            "Saint-Christophe-et-Niévès",
            "São Cristóvão e Névis",
        ],
    ),
    c(
        "LCA",
        "LC",
        CB,
        ACTIVE,
        ["Saint Lucia", "Santa Lucía", "Sainte-Lucie", "Santa Lúcia"],
    ),
    c(
        "VCT",
        "VC",
        CB,
        ACTIVE,
        [
            "Saint Vincent and the Grenadines",
            "San Vicente y las Granadinas",
            "Saint-Vincent-et-les-Grenadines",
            "São Vicente e Granadinas",
        ],
    ),
    c(
        "SUR",
        "SR",
        CB,
        ACTIVE,
        ["Suriname", "Suriname", "Suriname", "Suriname"],
    ),
    c(
        "TTO",
        "TT",
        CB,
        ACTIVE,
        [
            "Trinidad and Tobago",
            "Trinidad y Tobago",
            "Trinité-et-Tobago",
            "Trinidad e Tobago",
        ],
    ),
    c(
        "USA",
        "US",
        NA,
        ACTIVE,
        [
            "United States",
            "Estados Unidos",
            "États-Unis",
            "Estados Unidos",
        ],
    ),
    c(
        "URY",
        "UY",
        SC,
        ACTIVE,
        ["Uruguay", "Uruguay", "Uruguay", "Uruguai"],
    ),
    c(
        "VEN",
        "VE",
        AN,
        ACTIVE,
        ["Venezuela", "Venezuela", "Venezuela", "Venezuela"],
    ),
];
