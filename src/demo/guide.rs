//! Demo content of the Guide: experiences of thirteen member states over the twelve thematic
//! areas, in English and Spanish, some with several published versions. Written for this
//! project as an illustration: the institutions and instruments named are real, the summaries
//! are short and are not official texts.

use serde_json::json;

use crate::audit::AuditCtx;
use crate::countries::data::COUNTRIES;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::experiences::model::{ExperienceChanges, NewExperienceRow};
use crate::experiences::rules::{
    Document, ExperienceStatus, Institution, LegalInstrument, LegalKind,
};
use crate::experiences::store::{self, Scope};
use crate::http::lang::{I18n, Lang};

/// Where a demo experience stands.
#[derive(Clone, Copy)]
enum State {
    /// Published this many times.
    Published(i32),
    InReview,
    Draft,
}

struct Entry {
    country: &'static str,
    area: &'static str,
    lang: Lang,
    snapshot: &'static str,
    title: (&'static str, &'static str),
    /// Name, acronym, website, role (in the entry's language).
    institution: (&'static str, &'static str, &'static str, &'static str),
    /// Title, kind, number, year.
    law: (&'static str, LegalKind, &'static str, i32),
    /// The main mechanism, in English and Spanish.
    mechanism: (&'static str, &'static str),
    tags: &'static [&'static str],
    state: State,
}

use LegalKind::{Constitution, Decree, Law, Policy};
use State::{Draft, InReview, Published};

const EN: Lang = Lang::En;
const ES: Lang = Lang::Es;

#[rustfmt::skip]
const ENTRIES: &[Entry] = &[
    // long-term-vision
    Entry { country: "DOM", area: "long-term-vision", lang: ES, snapshot: "2025-03-31",
        title: ("National Development Strategy 2030", "Estrategia Nacional de Desarrollo 2030"),
        institution: ("Ministerio de Economía, Planificación y Desarrollo", "MEPyD", "https://mepyd.gob.do", "Coordina la planificación y da seguimiento a la Estrategia"),
        law: ("Ley que establece la Estrategia Nacional de Desarrollo 2030", Law, "1-12", 2012),
        mechanism: ("A long-term strategy approved by law, with goals and indicators that multi-year plans must follow.", "Una estrategia de largo plazo aprobada por ley, con metas e indicadores que los planes plurianuales deben seguir."),
        tags: &["national-strategy", "indicators"], state: Published(2) },
    Entry { country: "PER", area: "long-term-vision", lang: ES, snapshot: "2025-06-30",
        title: ("Strategic planning with a long-term view", "Planeamiento estratégico con visión de largo plazo"),
        institution: ("Centro Nacional de Planeamiento Estratégico", "CEPLAN", "https://www.gob.pe/ceplan", "Órgano rector del Sistema Nacional de Planeamiento Estratégico"),
        law: ("Ley del Sistema Nacional de Planeamiento Estratégico y del Centro Nacional de Planeamiento Estratégico", Decree, "1088", 2008),
        mechanism: ("A national strategic plan and a shared future vision guide sector and regional plans.", "Un plan estratégico nacional y una visión concertada de futuro orientan los planes sectoriales y regionales."),
        tags: &["strategic-planning", "foresight"], state: Published(1) },
    Entry { country: "BRA", area: "long-term-vision", lang: EN, snapshot: "2024-12-31",
        title: ("Federal Development Strategy 2020–2031", "Estrategia Federal de Desarrollo 2020–2031"),
        institution: ("Ministry of Planning and Budget", "MPO", "https://www.gov.br/planejamento", "Prepares the long-term strategy and aligns the multi-year plan with it"),
        law: ("Decree establishing the Federal Development Strategy for Brazil 2020–2031", Decree, "10.531", 2020),
        mechanism: ("A twelve-year strategy with targets per axis, which the four-year plan translates into programs.", "Una estrategia de doce años con metas por eje, que el plan plurianual traduce en programas."),
        tags: &["national-strategy", "multi-year-plan"], state: Published(1) },
    Entry { country: "URY", area: "long-term-vision", lang: ES, snapshot: "2024-09-30",
        title: ("National Development Strategy Uruguay 2050", "Estrategia Nacional de Desarrollo Uruguay 2050"),
        institution: ("Oficina de Planeamiento y Presupuesto", "OPP", "https://www.opp.gub.uy", "Asesora al Poder Ejecutivo en planificación y presupuesto"),
        law: ("Constitución de la República, artículo 230", Constitution, "230", 1967),
        mechanism: ("Prospective studies by sector feed a development strategy to 2050.", "Estudios prospectivos por sector alimentan una estrategia de desarrollo al 2050."),
        tags: &["foresight"], state: Published(1) },
    // national-planning
    Entry { country: "COL", area: "national-planning", lang: ES, snapshot: "2025-05-31",
        title: ("National Development Plan and its monitoring", "Plan Nacional de Desarrollo y su seguimiento"),
        institution: ("Departamento Nacional de Planeación", "DNP", "https://www.dnp.gov.co", "Formula el Plan Nacional de Desarrollo y evalúa su cumplimiento"),
        law: ("Ley Orgánica del Plan de Desarrollo", Law, "152", 1994),
        mechanism: ("Each government's plan is approved by Congress and monitored through public targets.", "El plan de cada gobierno lo aprueba el Congreso y se sigue mediante metas públicas."),
        tags: &["development-plan", "indicators"], state: Published(3) },
    Entry { country: "CRI", area: "national-planning", lang: ES, snapshot: "2025-02-28",
        title: ("National Planning System", "Sistema Nacional de Planificación"),
        institution: ("Ministerio de Planificación Nacional y Política Económica", "MIDEPLAN", "https://www.mideplan.go.cr", "Rector del Sistema Nacional de Planificación"),
        law: ("Ley de Planificación Nacional", Law, "5525", 1974),
        mechanism: ("A national plan for development and public investment links institutional plans with the budget.", "Un plan nacional de desarrollo e inversión pública vincula los planes institucionales con el presupuesto."),
        tags: &["development-plan", "public-investment"], state: Published(2) },
    Entry { country: "URY", area: "national-planning", lang: ES, snapshot: "2025-04-30",
        title: ("Planning and budget in one office", "Planificación y presupuesto en una sola oficina"),
        institution: ("Oficina de Planeamiento y Presupuesto", "OPP", "https://www.opp.gub.uy", "Articula los planes de gobierno con el presupuesto quinquenal"),
        law: ("Constitución de la República, artículo 230", Constitution, "230", 1967),
        mechanism: ("The five-year budget law carries the government's strategic areas and their programs.", "La ley de presupuesto quinquenal incorpora las áreas programáticas del gobierno y sus programas."),
        tags: &["development-plan", "budget-link"], state: Published(1) },
    Entry { country: "ECU", area: "national-planning", lang: ES, snapshot: "2024-11-30",
        title: ("National Decentralised Participatory Planning System", "Sistema Nacional Descentralizado de Planificación Participativa"),
        institution: ("Secretaría Nacional de Planificación", "SNP", "https://www.planificacion.gob.ec", "Coordina el sistema y elabora el Plan Nacional de Desarrollo"),
        law: ("Código Orgánico de Planificación y Finanzas Públicas", Law, "Registro Oficial 306", 2010),
        mechanism: ("National, sector and local plans are bound to the national plan by a single code.", "Los planes nacionales, sectoriales y locales se vinculan al plan nacional mediante un solo código."),
        tags: &["development-plan", "participation"], state: InReview },
    // public-budget
    Entry { country: "CHL", area: "public-budget", lang: ES, snapshot: "2025-06-30",
        title: ("Management control and evaluation system", "Sistema de evaluación y control de gestión"),
        institution: ("Dirección de Presupuestos", "DIPRES", "https://www.dipres.gob.cl", "Formula el presupuesto y evalúa los programas públicos"),
        law: ("Ley Orgánica de Administración Financiera del Estado", Decree, "1263", 1975),
        mechanism: ("Performance indicators, program evaluations and management agreements inform budget decisions.", "Indicadores de desempeño, evaluaciones de programas y convenios de gestión informan las decisiones presupuestarias."),
        tags: &["results-based-budgeting", "evaluation"], state: Published(3) },
    Entry { country: "MEX", area: "public-budget", lang: ES, snapshot: "2025-01-31",
        title: ("Results-based budgeting", "Presupuesto basado en Resultados"),
        institution: ("Secretaría de Hacienda y Crédito Público", "SHCP", "https://www.gob.mx/hacienda", "Integra el presupuesto y el sistema de evaluación del desempeño"),
        law: ("Ley Federal de Presupuesto y Responsabilidad Hacendaria", Law, "DOF 30-03-2006", 2006),
        mechanism: ("Budget programs carry results matrices whose indicators are reported every quarter.", "Los programas presupuestarios tienen matrices de indicadores para resultados que se informan cada trimestre."),
        tags: &["results-based-budgeting", "indicators"], state: Published(2) },
    Entry { country: "PER", area: "public-budget", lang: ES, snapshot: "2025-03-31",
        title: ("Budgeting for results", "Presupuesto por Resultados"),
        institution: ("Ministerio de Economía y Finanzas", "MEF", "https://www.gob.pe/mef", "Rector del Sistema Nacional de Presupuesto Público"),
        law: ("Decreto Legislativo del Sistema Nacional de Presupuesto Público", Decree, "1440", 2018),
        mechanism: ("Budget programs with results chains, performance targets and incentives for local governments.", "Programas presupuestales con cadenas de resultados, metas de desempeño e incentivos a los gobiernos locales."),
        tags: &["results-based-budgeting", "incentives"], state: Published(1) },
    Entry { country: "ARG", area: "public-budget", lang: ES, snapshot: "2024-12-31",
        title: ("Physical and financial budget monitoring", "Seguimiento físico-financiero del presupuesto"),
        institution: ("Oficina Nacional de Presupuesto", "ONP", "https://www.argentina.gob.ar/economia/sechacienda/presupuesto", "Órgano rector del sistema presupuestario"),
        law: ("Ley de Administración Financiera y de los Sistemas de Control del Sector Público Nacional", Law, "24.156", 1992),
        mechanism: ("Programs report physical goals together with spending, published in quarterly reports.", "Los programas informan metas físicas junto con la ejecución financiera, en informes trimestrales públicos."),
        tags: &["budget-execution", "indicators"], state: Published(1) },
    // civil-service
    Entry { country: "CHL", area: "civil-service", lang: ES, snapshot: "2025-04-30",
        title: ("Senior Public Management System", "Sistema de Alta Dirección Pública"),
        institution: ("Dirección Nacional del Servicio Civil", "DNSC", "https://www.serviciocivil.cl", "Conduce los concursos de alta dirección y orienta la gestión de personas"),
        law: ("Ley sobre nuevo trato laboral y Alta Dirección Pública", Law, "19.882", 2003),
        mechanism: ("Senior managers are selected by open, merit-based competitions run by an independent council.", "Los altos directivos se seleccionan por concursos abiertos de mérito que conduce un consejo independiente."),
        tags: &["merit", "senior-civil-service"], state: Published(2) },
    Entry { country: "PER", area: "civil-service", lang: ES, snapshot: "2025-05-31",
        title: ("Civil service reform", "Reforma del servicio civil"),
        institution: ("Autoridad Nacional del Servicio Civil", "SERVIR", "https://www.gob.pe/servir", "Rectora del sistema administrativo de gestión de recursos humanos"),
        law: ("Ley del Servicio Civil", Law, "30057", 2013),
        mechanism: ("Entities move to a single merit-based regime after mapping their positions and processes.", "Las entidades transitan a un régimen único de mérito tras mapear sus puestos y procesos."),
        tags: &["merit", "reform"], state: Published(1) },
    Entry { country: "DOM", area: "civil-service", lang: ES, snapshot: "2024-10-31",
        title: ("Career public service", "Carrera administrativa"),
        institution: ("Ministerio de Administración Pública", "MAP", "https://map.gob.do", "Rige la función pública y la carrera administrativa"),
        law: ("Ley de Función Pública", Law, "41-08", 2008),
        mechanism: ("Entry to the career by competition and periodic performance evaluation.", "Ingreso a la carrera por concurso y evaluación periódica del desempeño."),
        tags: &["merit", "performance-evaluation"], state: Published(1) },
    Entry { country: "URY", area: "civil-service", lang: ES, snapshot: "2025-02-28",
        title: ("Statute of the central government civil servant", "Estatuto del funcionario público de la Administración Central"),
        institution: ("Oficina Nacional del Servicio Civil", "ONSC", "https://www.gub.uy/oficina-nacional-servicio-civil", "Asesora en la gestión humana y administra el portal Uruguay Concursa"),
        law: ("Estatuto del Funcionario Público de la Administración Central", Law, "19.121", 2013),
        mechanism: ("All vacancies are published and filled through a single competition portal.", "Todas las vacantes se publican y se proveen mediante un portal único de concursos."),
        tags: &["merit", "job-portal"], state: Published(1) },
    Entry { country: "CAN", area: "civil-service", lang: EN, snapshot: "2025-03-31",
        title: ("Merit-based appointments in the federal public service", "Nombramientos basados en el mérito en la administración pública federal"),
        institution: ("Public Service Commission of Canada", "PSC", "https://www.canada.ca/en/public-service-commission.html", "Safeguards merit and the non-partisanship of the public service"),
        law: ("Public Service Employment Act", Law, "S.C. 2003, c. 22", 2003),
        mechanism: ("Appointment authority is delegated to deputy heads and overseen through audits.", "La facultad de nombramiento se delega en los titulares y se supervisa mediante auditorías."),
        tags: &["merit", "oversight"], state: Published(1) },
    Entry { country: "BRA", area: "civil-service", lang: EN, snapshot: "2024-08-31",
        title: ("Public competitive examinations", "Concursos públicos"),
        institution: ("National School of Public Administration", "ENAP", "https://www.enap.gov.br", "Trains civil servants and supports the national unified competition"),
        law: ("Legal regime of federal civil servants", Law, "8.112", 1990),
        mechanism: ("Permanent posts are filled only by public competitive examinations, as the Constitution requires.", "Los cargos permanentes solo se proveen por concurso público, como exige la Constitución."),
        tags: &["merit", "training"], state: Draft },
    // coordination
    Entry { country: "CHL", area: "coordination", lang: ES, snapshot: "2024-12-31",
        title: ("Government coordination from the Presidency", "Coordinación de gobierno desde la Presidencia"),
        institution: ("Ministerio Secretaría General de la Presidencia", "SEGPRES", "https://www.minsegpres.gob.cl", "Coordina la agenda legislativa y programática del gobierno"),
        law: ("Ley que crea el Ministerio Secretaría General de la Presidencia", Law, "18.993", 1990),
        mechanism: ("Ministerial committees and a priority-tracking unit align ministries on the government program.", "Comités interministeriales y una unidad de seguimiento de prioridades alinean a los ministerios con el programa de gobierno."),
        tags: &["centre-of-government"], state: Published(1) },
    Entry { country: "PER", area: "coordination", lang: ES, snapshot: "2025-01-31",
        title: ("Coordination of the Executive Branch", "Coordinación del Poder Ejecutivo"),
        institution: ("Presidencia del Consejo de Ministros", "PCM", "https://www.gob.pe/pcm", "Coordina las políticas nacionales y sectoriales del Poder Ejecutivo"),
        law: ("Ley Orgánica del Poder Ejecutivo", Law, "29158", 2007),
        mechanism: ("Multisector committees and councils of ministers coordinate national policies.", "Comisiones multisectoriales y consejos de ministros coordinan las políticas nacionales."),
        tags: &["centre-of-government", "intersectoral"], state: Published(1) },
    Entry { country: "COL", area: "coordination", lang: ES, snapshot: "2025-02-28",
        title: ("Administrative systems and sector coordination", "Sistemas administrativos y coordinación sectorial"),
        institution: ("Departamento Administrativo de la Función Pública", "DAFP", "https://www.funcionpublica.gov.co", "Orienta la organización y el funcionamiento de la administración pública"),
        law: ("Ley sobre la organización y funcionamiento de las entidades del orden nacional", Law, "489", 1998),
        mechanism: ("Sectors headed by a ministry coordinate their attached entities through sector committees.", "Los sectores encabezados por un ministerio coordinan a sus entidades adscritas mediante comités sectoriales."),
        tags: &["intersectoral"], state: Published(1) },
    // policy-evaluation
    Entry { country: "MEX", area: "policy-evaluation", lang: ES, snapshot: "2023-12-31",
        title: ("Evaluation of social development policy", "Evaluación de la política de desarrollo social"),
        institution: ("Consejo Nacional de Evaluación de la Política de Desarrollo Social", "CONEVAL", "https://www.coneval.org.mx", "Evalúa los programas sociales y mide la pobreza"),
        law: ("Ley General de Desarrollo Social", Law, "DOF 20-01-2004", 2004),
        mechanism: ("An annual evaluation programme and follow-up of each program's improvement aspects.", "Un programa anual de evaluación y el seguimiento de los aspectos susceptibles de mejora de cada programa."),
        tags: &["evaluation", "social-policy"], state: Published(2) },
    Entry { country: "COL", area: "policy-evaluation", lang: ES, snapshot: "2025-03-31",
        title: ("National system for results-based management and evaluation", "Sistema Nacional de Evaluación de Gestión y Resultados"),
        institution: ("Departamento Nacional de Planeación", "DNP", "https://www.dnp.gov.co", "Administra SINERGIA y su agenda de evaluaciones"),
        law: ("Constitución Política de Colombia, artículo 343", Constitution, "343", 1991),
        mechanism: ("SINERGIA tracks the plan's targets and commissions independent evaluations of policies.", "SINERGIA hace seguimiento a las metas del plan y contrata evaluaciones independientes de políticas."),
        tags: &["evaluation", "monitoring"], state: Published(1) },
    Entry { country: "CAN", area: "policy-evaluation", lang: EN, snapshot: "2025-04-30",
        title: ("Policy on Results", "Política sobre los Resultados"),
        institution: ("Treasury Board of Canada Secretariat", "TBS", "https://www.canada.ca/en/treasury-board-secretariat.html", "Sets the evaluation policy and reviews departmental results frameworks"),
        law: ("Policy on Results", Policy, "", 2016),
        mechanism: ("Each department keeps a results framework and a five-year evaluation plan.", "Cada departamento mantiene un marco de resultados y un plan quinquenal de evaluación."),
        tags: &["evaluation", "results"], state: Published(1) },
    Entry { country: "USA", area: "policy-evaluation", lang: EN, snapshot: "2025-01-31",
        title: ("Evidence-based policymaking", "Formulación de políticas basada en evidencia"),
        institution: ("Office of Management and Budget", "OMB", "https://www.whitehouse.gov/omb", "Guides agencies' performance plans, learning agendas and evaluations"),
        law: ("Foundations for Evidence-Based Policymaking Act of 2018", Law, "Public Law 115-435", 2019),
        mechanism: ("Agencies publish learning agendas and annual evaluation plans under an evaluation officer.", "Las agencias publican agendas de aprendizaje y planes anuales de evaluación a cargo de un responsable de evaluación."),
        tags: &["evaluation", "evidence"], state: Published(1) },
    // regulatory-frameworks
    Entry { country: "MEX", area: "regulatory-frameworks", lang: ES, snapshot: "2024-12-31",
        title: ("Regulatory improvement", "Mejora regulatoria"),
        institution: ("Comisión Nacional de Mejora Regulatoria", "CONAMER", "https://www.gob.mx/conamer", "Revisa los proyectos de regulación y su análisis de impacto"),
        law: ("Ley General de Mejora Regulatoria", Law, "DOF 18-05-2018", 2018),
        mechanism: ("Regulatory impact analysis and a national catalogue of regulations, procedures and services.", "Análisis de impacto regulatorio y un catálogo nacional de regulaciones, trámites y servicios."),
        tags: &["regulatory-impact", "red-tape"], state: Published(1) },
    Entry { country: "CAN", area: "regulatory-frameworks", lang: EN, snapshot: "2025-02-28",
        title: ("Cabinet Directive on Regulation", "Directiva del Gabinete sobre la Regulación"),
        institution: ("Treasury Board of Canada Secretariat", "TBS", "https://www.canada.ca/en/treasury-board-secretariat.html", "Oversees regulatory analysis and the one-for-one rule"),
        law: ("Cabinet Directive on Regulation", Policy, "", 2018),
        mechanism: ("Cost-benefit analysis, consultation in the Canada Gazette and periodic review of regulations.", "Análisis costo-beneficio, consulta en la Canada Gazette y revisión periódica de las regulaciones."),
        tags: &["regulatory-impact", "consultation"], state: Published(1) },
    Entry { country: "USA", area: "regulatory-frameworks", lang: EN, snapshot: "2024-10-31",
        title: ("Centralised review of significant regulations", "Revisión centralizada de regulaciones significativas"),
        institution: ("Office of Information and Regulatory Affairs", "OIRA", "https://www.reginfo.gov", "Reviews significant draft rules and information collections"),
        law: ("Executive Order 12866, Regulatory Planning and Review", Decree, "12866", 1993),
        mechanism: ("Significant rules carry a regulatory impact analysis reviewed before publication.", "Las reglas significativas llevan un análisis de impacto revisado antes de su publicación."),
        tags: &["regulatory-impact"], state: Published(2) },
    Entry { country: "CRI", area: "regulatory-frameworks", lang: ES, snapshot: "2025-05-31",
        title: ("Protection of citizens from excessive requirements", "Protección del ciudadano del exceso de requisitos y trámites"),
        institution: ("Ministerio de Economía, Industria y Comercio", "MEIC", "https://www.meic.go.cr", "Rector de la mejora regulatoria"),
        law: ("Ley de Protección al Ciudadano del Exceso de Requisitos y Trámites Administrativos", Law, "8220", 2002),
        mechanism: ("A national catalogue of procedures and positive silence when an office does not answer in time.", "Un catálogo nacional de trámites y silencio positivo cuando una oficina no responde a tiempo."),
        tags: &["red-tape", "simplification"], state: Published(1) },
    // transparency-accountability
    Entry { country: "CHL", area: "transparency-accountability", lang: ES, snapshot: "2025-05-31",
        title: ("Access to public information", "Acceso a la información pública"),
        institution: ("Consejo para la Transparencia", "CPLT", "https://www.consejotransparencia.cl", "Garantiza el derecho de acceso a la información y fiscaliza la transparencia activa"),
        law: ("Ley sobre Acceso a la Información Pública", Law, "20.285", 2008),
        mechanism: ("Active transparency on every agency's website and requests answered within twenty working days.", "Transparencia activa en el sitio de cada organismo y solicitudes respondidas en veinte días hábiles."),
        tags: &["access-to-information", "open-government"], state: Published(2) },
    Entry { country: "MEX", area: "transparency-accountability", lang: ES, snapshot: "2023-12-31",
        title: ("National Transparency System", "Sistema Nacional de Transparencia"),
        institution: ("Instituto Nacional de Transparencia, Acceso a la Información y Protección de Datos Personales", "INAI", "https://home.inai.org.mx", "Garantizaba el acceso a la información en el ámbito federal a la fecha de esta información"),
        law: ("Ley General de Transparencia y Acceso a la Información Pública", Law, "DOF 04-05-2015", 2015),
        mechanism: ("A national platform for requests and the publication of common transparency obligations.", "Una plataforma nacional para solicitudes y la publicación de obligaciones comunes de transparencia."),
        tags: &["access-to-information"], state: Published(1) },
    Entry { country: "BRA", area: "transparency-accountability", lang: EN, snapshot: "2025-03-31",
        title: ("Access to Information Law", "Ley de Acceso a la Información"),
        institution: ("Office of the Comptroller General", "CGU", "https://www.gov.br/cgu", "Monitors compliance and runs the federal transparency portal"),
        law: ("Access to Information Law", Law, "12.527", 2011),
        mechanism: ("A federal transparency portal and an electronic system for information requests.", "Un portal federal de transparencia y un sistema electrónico de solicitudes de información."),
        tags: &["access-to-information", "open-data"], state: Published(1) },
    Entry { country: "USA", area: "transparency-accountability", lang: EN, snapshot: "2024-12-31",
        title: ("Freedom of Information Act", "Ley de Libertad de Información"),
        institution: ("Office of Information Policy, Department of Justice", "OIP", "https://www.justice.gov/oip", "Guides agencies on the Freedom of Information Act"),
        law: ("Freedom of Information Act, 5 U.S.C. § 552", Law, "5 U.S.C. 552", 1966),
        mechanism: ("Each agency answers requests and reports yearly on them; a national portal receives requests.", "Cada agencia responde solicitudes e informa anualmente sobre ellas; un portal nacional las recibe."),
        tags: &["access-to-information"], state: Published(1) },
    Entry { country: "CAN", area: "transparency-accountability", lang: EN, snapshot: "2025-01-31",
        title: ("Access to Information Act", "Ley de Acceso a la Información"),
        institution: ("Office of the Information Commissioner of Canada", "OIC", "https://www.oic-ci.gc.ca", "Investigates complaints about access requests"),
        law: ("Access to Information Act", Law, "R.S.C. 1985, c. A-1", 1983),
        mechanism: ("Proactive publication of key records and an independent commissioner who can order disclosure.", "Publicación proactiva de documentos clave y un comisionado independiente que puede ordenar la divulgación."),
        tags: &["access-to-information", "oversight"], state: Published(1) },
    Entry { country: "ARG", area: "transparency-accountability", lang: ES, snapshot: "2025-02-28",
        title: ("Right of access to public information", "Derecho de acceso a la información pública"),
        institution: ("Agencia de Acceso a la Información Pública", "AAIP", "https://www.argentina.gob.ar/aaip", "Vela por el cumplimiento de la ley y resuelve reclamos"),
        law: ("Ley de Derecho de Acceso a la Información Pública", Law, "27.275", 2016),
        mechanism: ("An autonomous agency resolves complaints; every body appoints an access officer.", "Una agencia autónoma resuelve reclamos; cada organismo designa un responsable de acceso."),
        tags: &["access-to-information"], state: Published(2) },
    // ict
    Entry { country: "URY", area: "ict", lang: ES, snapshot: "2025-06-30",
        title: ("Digital government", "Gobierno digital"),
        institution: ("Agencia de Gobierno Electrónico y Sociedad de la Información y del Conocimiento", "AGESIC", "https://www.gub.uy/agesic", "Lidera la estrategia de gobierno digital"),
        law: ("Ley de Protección de Datos Personales", Law, "18.331", 2008),
        mechanism: ("A digital government plan, online procedures and a national interoperability platform.", "Un plan de gobierno digital, trámites en línea y una plataforma nacional de interoperabilidad."),
        tags: &["digital-government", "interoperability"], state: Published(3) },
    Entry { country: "BRA", area: "ict", lang: EN, snapshot: "2025-04-30",
        title: ("Digital Government Law", "Ley de Gobierno Digital"),
        institution: ("Digital Government Secretariat", "SGD", "https://www.gov.br/governodigital", "Coordinates the digital transformation of federal services"),
        law: ("Digital Government Law", Law, "14.129", 2021),
        mechanism: ("A single portal for federal services and a single digital identity for citizens.", "Un portal único de servicios federales y una identidad digital única para la ciudadanía."),
        tags: &["digital-government", "digital-identity"], state: Published(1) },
    Entry { country: "CHL", area: "ict", lang: ES, snapshot: "2025-03-31",
        title: ("Digital transformation of the State", "Transformación digital del Estado"),
        institution: ("División de Gobierno Digital", "DGD", "https://digital.gob.cl", "Coordina la implementación de la transformación digital"),
        law: ("Ley de Transformación Digital del Estado", Law, "21.180", 2019),
        mechanism: ("Administrative procedures become electronic in stages, with a digital single key.", "Los procedimientos administrativos pasan a ser electrónicos por etapas, con una clave única digital."),
        tags: &["digital-government", "paperless"], state: Published(1) },
    Entry { country: "COL", area: "ict", lang: ES, snapshot: "2024-11-30",
        title: ("Digital government policy", "Política de Gobierno Digital"),
        institution: ("Ministerio de Tecnologías de la Información y las Comunicaciones", "MinTIC", "https://www.mintic.gov.co", "Rector de la política de gobierno digital"),
        law: ("Ley de Tecnologías de la Información y las Comunicaciones", Law, "1341", 2009),
        mechanism: ("Data-driven services, a citizen portal and digital services for authentication and interoperability.", "Servicios basados en datos, un portal ciudadano y servicios digitales de autenticación e interoperabilidad."),
        tags: &["digital-government", "open-data"], state: Published(1) },
    // decentralization
    Entry { country: "COL", area: "decentralization", lang: ES, snapshot: "2025-01-31",
        title: ("Territorial organisation", "Ordenamiento territorial"),
        institution: ("Departamento Nacional de Planeación", "DNP", "https://www.dnp.gov.co", "Secretaría técnica de la Comisión de Ordenamiento Territorial"),
        law: ("Ley Orgánica de Ordenamiento Territorial", Law, "1454", 2011),
        mechanism: ("Associations of territorial entities and contracts-plan between the nation and the regions.", "Asociaciones de entidades territoriales y contratos plan entre la nación y las regiones."),
        tags: &["territorial", "intergovernmental"], state: Published(1) },
    Entry { country: "PER", area: "decentralization", lang: ES, snapshot: "2024-12-31",
        title: ("Decentralisation process", "Proceso de descentralización"),
        institution: ("Secretaría de Descentralización de la Presidencia del Consejo de Ministros", "SD-PCM", "https://www.gob.pe/pcm", "Conduce el proceso de descentralización"),
        law: ("Ley de Bases de la Descentralización", Law, "27783", 2002),
        mechanism: ("Functions are transferred to regional and local governments in stages, with accreditation.", "Las funciones se transfieren a gobiernos regionales y locales por etapas, con acreditación."),
        tags: &["territorial", "transfer-of-functions"], state: Published(2) },
    Entry { country: "BOL", area: "decentralization", lang: ES, snapshot: "2025-02-28",
        title: ("Framework of autonomies", "Marco de autonomías"),
        institution: ("Servicio Estatal de Autonomías", "SEA", "https://www.sea.gob.bo", "Asiste técnicamente a las entidades territoriales autónomas"),
        law: ("Ley Marco de Autonomías y Descentralización \"Andrés Ibáñez\"", Law, "031", 2010),
        mechanism: ("Autonomous statutes and charters define the competences of each territorial entity.", "Estatutos autonómicos y cartas orgánicas definen las competencias de cada entidad territorial."),
        tags: &["territorial", "autonomy"], state: Published(1) },
    Entry { country: "MEX", area: "decentralization", lang: ES, snapshot: "2024-12-31",
        title: ("Fiscal coordination", "Coordinación fiscal"),
        institution: ("Secretaría de Hacienda y Crédito Público", "SHCP", "https://www.gob.mx/hacienda", "Administra el sistema de participaciones y aportaciones federales"),
        law: ("Ley de Coordinación Fiscal", Law, "DOF 27-12-1978", 1978),
        mechanism: ("Formula-based transfers to states and municipalities, with funds earmarked by purpose.", "Transferencias por fórmula a estados y municipios, con fondos etiquetados por destino."),
        tags: &["fiscal-transfers", "intergovernmental"], state: Published(1) },
    // public-services-quality
    Entry { country: "BRA", area: "public-services-quality", lang: EN, snapshot: "2025-05-31",
        title: ("Code of users of public services", "Código de los usuarios de servicios públicos"),
        institution: ("Office of the Comptroller General", "CGU", "https://www.gov.br/cgu", "Coordinates the federal ombudsman network"),
        law: ("Law on the participation, protection and rights of users of public services", Law, "13.460", 2017),
        mechanism: ("Service charters, user satisfaction surveys and ombudsman offices in every agency.", "Cartas de servicios, encuestas de satisfacción y defensorías en cada organismo."),
        tags: &["service-charters", "user-satisfaction"], state: Published(1) },
    Entry { country: "PER", area: "public-services-quality", lang: ES, snapshot: "2025-04-30",
        title: ("Modernisation of public management", "Modernización de la gestión pública"),
        institution: ("Secretaría de Gestión Pública de la Presidencia del Consejo de Ministros", "SGP", "https://www.gob.pe/pcm", "Rectora del sistema de modernización de la gestión pública"),
        law: ("Política Nacional de Modernización de la Gestión Pública", Decree, "004-2013-PCM", 2013),
        mechanism: ("Service quality standards, process management and citizen service centres.", "Normas de calidad de servicios, gestión por procesos y centros de atención al ciudadano."),
        tags: &["service-quality", "one-stop-shop"], state: Published(1) },
    Entry { country: "COL", area: "public-services-quality", lang: ES, snapshot: "2024-09-30",
        title: ("Quality management in public entities", "Gestión de la calidad en las entidades públicas"),
        institution: ("Departamento Administrativo de la Función Pública", "DAFP", "https://www.funcionpublica.gov.co", "Orienta el modelo integrado de planeación y gestión"),
        law: ("Ley que crea el Sistema de Gestión de la Calidad", Law, "872", 2003),
        mechanism: ("An integrated planning and management model with a yearly self-assessment of each entity.", "Un modelo integrado de planeación y gestión con autodiagnóstico anual de cada entidad."),
        tags: &["service-quality", "management-model"], state: Published(1) },
    Entry { country: "CAN", area: "public-services-quality", lang: EN, snapshot: "2025-02-28",
        title: ("Service standards and one-stop service", "Normas de servicio y ventanilla única"),
        institution: ("Employment and Social Development Canada (Service Canada)", "ESDC", "https://www.canada.ca/en/employment-social-development.html", "Delivers federal programs through one network of offices, phone and web"),
        law: ("Department of Employment and Social Development Act", Law, "S.C. 2005, c. 34", 2005),
        mechanism: ("Published service standards and a single network for many federal benefits.", "Normas de servicio públicas y una sola red para muchas prestaciones federales."),
        tags: &["one-stop-shop", "service-standards"], state: Published(1) },
    // citizen-participation
    Entry { country: "COL", area: "citizen-participation", lang: ES, snapshot: "2025-03-31",
        title: ("Statutory law on democratic participation", "Ley estatutaria de participación democrática"),
        institution: ("Ministerio del Interior", "MinInterior", "https://www.mininterior.gov.co", "Promueve los mecanismos de participación ciudadana"),
        law: ("Ley Estatutaria de promoción y protección del derecho a la participación democrática", Law, "1757", 2015),
        mechanism: ("Participatory budgeting, citizen oversight committees and accountability hearings.", "Presupuestos participativos, veedurías ciudadanas y audiencias de rendición de cuentas."),
        tags: &["participation", "accountability-hearings"], state: Published(2) },
    Entry { country: "ECU", area: "citizen-participation", lang: ES, snapshot: "2024-12-31",
        title: ("Citizen participation and social control", "Participación ciudadana y control social"),
        institution: ("Consejo de Participación Ciudadana y Control Social", "CPCCS", "https://www.cpccs.gob.ec", "Promueve la participación y el control social"),
        law: ("Ley Orgánica de Participación Ciudadana", Law, "Registro Oficial 175", 2010),
        mechanism: ("Local assemblies, citizen oversight and yearly public accountability of authorities.", "Asambleas locales, veedurías y rendición de cuentas anual de las autoridades."),
        tags: &["participation", "social-control"], state: Published(1) },
    Entry { country: "CHL", area: "citizen-participation", lang: ES, snapshot: "2025-01-31",
        title: ("Citizen participation in public management", "Participación ciudadana en la gestión pública"),
        institution: ("Ministerio Secretaría General de Gobierno", "SEGEGOB", "https://msgg.gob.cl", "Coordina la participación ciudadana en los ministerios"),
        law: ("Ley sobre Asociaciones y Participación Ciudadana en la Gestión Pública", Law, "20.500", 2011),
        mechanism: ("Civil society councils in every agency, public consultations and participatory accountability.", "Consejos de la sociedad civil en cada organismo, consultas ciudadanas y cuentas públicas participativas."),
        tags: &["participation", "civil-society-councils"], state: Published(1) },
    Entry { country: "DOM", area: "citizen-participation", lang: ES, snapshot: "2025-04-30",
        title: ("Participatory municipal budgeting", "Presupuesto participativo municipal"),
        institution: ("Liga Municipal Dominicana", "LMD", "https://lmd.gob.do", "Asiste a los ayuntamientos en la aplicación del presupuesto participativo"),
        law: ("Ley del Distrito Nacional y los Municipios", Law, "176-07", 2007),
        mechanism: ("Neighbourhood assemblies choose a share of municipal investment each year.", "Asambleas barriales eligen cada año una parte de la inversión municipal."),
        tags: &["participation", "participatory-budgeting"], state: InReview },
];

/// The Guide's opening sentence per area, in English and Spanish.
fn area_intro(area: &str) -> (&'static str, &'static str) {
    match area {
        "long-term-vision" => ("A long-term vision gives public management a direction that outlasts each government.", "Una visión de largo plazo da a la gestión pública una dirección que trasciende a cada gobierno."),
        "national-planning" => ("National planning turns the government's priorities into programs, targets and resources.", "La planificación nacional convierte las prioridades de gobierno en programas, metas y recursos."),
        "public-budget" => ("The budget links public resources with the results the State commits to.", "El presupuesto vincula los recursos públicos con los resultados que el Estado se compromete a lograr."),
        "civil-service" => ("A professional civil service rests on merit, stability and clear rules for careers.", "Un servicio civil profesional descansa en el mérito, la estabilidad y reglas claras de carrera."),
        "coordination" => ("Coordination aligns ministries and levels of government behind shared goals.", "La coordinación alinea a ministerios y niveles de gobierno tras metas comunes."),
        "policy-evaluation" => ("Evaluating policies and programs tells what works and informs decisions.", "Evaluar políticas y programas indica qué funciona e informa las decisiones."),
        "regulatory-frameworks" => ("Sound regulation protects the public interest without needless burdens.", "Una buena regulación protege el interés público sin cargas innecesarias."),
        "transparency-accountability" => ("Transparency and accountability let citizens know and question what the State does.", "La transparencia y la rendición de cuentas permiten a la ciudadanía conocer y cuestionar lo que hace el Estado."),
        "ict" => ("Information and communication technologies bring services closer and make the State more efficient.", "Las tecnologías de la información y la comunicación acercan los servicios y hacen más eficiente al Estado."),
        "decentralization" => ("Decentralization brings decisions and services closer to the territory.", "La descentralización acerca las decisiones y los servicios al territorio."),
        "public-services-quality" => ("Quality public services put the user at the centre of management.", "Los servicios públicos de calidad ponen a la persona usuaria en el centro de la gestión."),
        _ => ("Citizen participation opens public management to the people it serves.", "La participación ciudadana abre la gestión pública a las personas a quienes sirve."),
    }
}

fn kind_words(kind: LegalKind) -> (&'static str, &'static str) {
    match kind {
        LegalKind::Constitution => ("the Constitution", "la Constitución"),
        LegalKind::Law => ("law", "ley"),
        LegalKind::Decree => ("decree", "decreto"),
        LegalKind::Regulation => ("regulation", "reglamento"),
        LegalKind::Policy => ("policy", "política"),
        LegalKind::Other => ("instrument", "instrumento"),
    }
}

fn texts(en: String, es: String) -> I18n {
    [(Lang::En, en), (Lang::Es, es)].into_iter().collect()
}

/// The document of `e` as version `n` of `of` (earlier versions describe an earlier date and
/// lack the latest update).
fn document(e: &Entry, n: i32, of: i32) -> Document {
    let names = COUNTRIES
        .iter()
        .find(|c| c.code == e.country)
        .map(|c| (c.names[0], c.names[1]))
        .unwrap_or((e.country, e.country));
    let (intro_en, intro_es) = area_intro(e.area);
    let (law, kind, number, year) = e.law;
    let (kind_en, kind_es) = kind_words(kind);
    let (inst, acronym, website, role) = e.institution;
    let number_part = if number.is_empty() {
        String::new()
    } else {
        format!(" {number}")
    };
    let mut strategies_en = format!(
        "{} The framework assigns the lead to {inst} ({acronym}), which reports on its implementation.",
        e.mechanism.0
    );
    let mut strategies_es = format!(
        "{} El marco asigna la conducción a {inst} ({acronym}), que informa sobre su aplicación.",
        e.mechanism.1
    );
    if n > 1 {
        strategies_en.push_str(&format!(
            " Update {n}: the secretariat recorded the changes to the framework since the previous version."
        ));
        strategies_es.push_str(&format!(
            " Actualización {n}: la secretaría registró los cambios del marco desde la versión anterior."
        ));
    }
    let snapshot = super::date(e.snapshot);
    let snapshot = snapshot
        .checked_sub_months(chrono::Months::new(12 * (of - n) as u32))
        .unwrap_or(snapshot);
    Document {
        snapshot_date: snapshot,
        title: texts(e.title.0.into(), e.title.1.into()),
        introduction: texts(
            format!(
                "{intro_en} In {}, the formal framework rests on {law} ({kind_en}{number_part}, {year}).",
                names.0
            ),
            format!(
                "{intro_es} En {}, el marco formal se apoya en {law} ({kind_es}{number_part}, {year}).",
                names.1
            ),
        ),
        institutions: vec![Institution {
            name: inst.into(),
            acronym: Some(acronym.into()),
            role: Some(role.into()),
            website: Some(website.into()),
        }],
        strategies: texts(strategies_en, strategies_es),
        legal_framework: vec![LegalInstrument {
            title: law.into(),
            kind,
            number: (!number.is_empty()).then(|| number.into()),
            year: Some(year),
            url: None,
        }],
        tags: e.tags.iter().map(|t| t.to_string()).collect(),
    }
}

/// Loads the demo experiences unless the Guide already has experiences; returns how many.
pub fn load(conn: &mut DbConn) -> ApiResult<usize> {
    if store::count(conn)? > 0 {
        return Ok(0);
    }
    let audit = AuditCtx::default();
    for e in ENTRIES {
        let versions = match e.state {
            Published(n) => n,
            InReview | Draft => 0,
        };
        let last = document(e, versions.max(1), versions.max(1));
        let now = crate::time::now();
        let id = store::insert(
            conn,
            &NewExperienceRow {
                country: e.country.into(),
                thematic_area: e.area.into(),
                language: e.lang.code().into(),
                status: ExperienceStatus::Draft,
                snapshot_date: last.snapshot_date,
                created_by: None,
                updated_by: None,
                created_at: now,
                updated_at: now,
            },
        )?;
        let mut published_at = None;
        for n in 1..=versions {
            let doc = document(e, n, versions);
            // Published a fortnight after the date it describes, as a secretariat would.
            let at = (doc.snapshot_date + chrono::Days::new(14))
                .and_hms_opt(12, 0, 0)
                .map_or(now, |t| t.min(now));
            store::publish(conn, id, n, &doc, None, at)?;
            published_at = Some(at);
        }
        store::write_document(conn, id, &last)?;
        store::reindex(conn, id, Scope::Working, &last, now)?;
        let status = match e.state {
            Published(_) => ExperienceStatus::Published,
            InReview => ExperienceStatus::InReview,
            Draft => ExperienceStatus::Draft,
        };
        store::update(
            conn,
            id,
            &ExperienceChanges {
                status: Some(status),
                version: Some(versions),
                published_at: Some(published_at),
                ..ExperienceChanges::default()
            },
        )?;
        audit.record(
            conn,
            "demo.load",
            "experience",
            id,
            json!({"country": e.country, "thematic_area": e.area, "versions": versions}),
        )?;
    }
    Ok(ENTRIES.len())
}
