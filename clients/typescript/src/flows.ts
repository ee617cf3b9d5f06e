// The main flows of the MECIGEP API, driven through the generated types against a running
// server: `MECIGEP_URL` (default http://127.0.0.1:8080), and the first secretariat account's
// `MECIGEP_ADMIN_EMAIL` / `MECIGEP_ADMIN_PASSWORD`. The server must hold the demo content
// (`--demo`). Exits 1 at the first step that does not answer as the contract says.
import { client, withToken, type Schemas } from "./client.js";

const baseUrl = process.env.MECIGEP_URL ?? "http://127.0.0.1:8080";
const adminEmail = process.env.MECIGEP_ADMIN_EMAIL ?? "admin@mecigep.example";
const adminPassword = process.env.MECIGEP_ADMIN_PASSWORD ?? "";

function check(condition: boolean, what: string): asserts condition {
  if (!condition) {
    throw new Error(`flow failed: ${what}`);
  }
}

function step(what: string): void {
  console.log(`ok - ${what}`);
}

function isoDate(daysFromToday: number): string {
  const d = new Date(Date.now() + daysFromToday * 86_400_000);
  return d.toISOString().slice(0, 10);
}

async function login(email: string, password: string): Promise<string> {
  const api = client(baseUrl);
  const { data, error, response } = await api.POST("/api/v1/auth/login", {
    body: { email, password },
  });
  check(data !== undefined, `login of ${email}: ${response.status} ${error?.detail ?? ""}`);
  return data.access_token;
}

async function main(): Promise<void> {
  check(adminPassword.length > 0, "MECIGEP_ADMIN_PASSWORD is set");
  const admin = withToken(baseUrl, await login(adminEmail, adminPassword));
  step("the secretariat logs in");

  // The Guide in Spanish, searched without accents.
  const guide = await client(baseUrl).GET("/api/v1/experiences", {
    params: { query: { q: "participacion ciudadana", lang: "es", limit: 5 } },
  });
  check(guide.data !== undefined, `search: ${guide.response.status}`);
  const hits: Schemas["ExperienceSummary"][] = guide.data.data;
  check(hits.length > 0, "the search finds experiences");
  const title = hits[0].title;
  check(typeof title === "string", "one language asked, one string returned");
  check(guide.response.headers.get("content-language")?.includes("es") === true, "Content-Language: es");
  step(`the Guide in Spanish: "${title}"`);

  // A round and its questionnaire, with a question of every kind.
  const round = await admin.POST("/api/v1/rounds", {
    body: {
      title: { en: "Flows round", es: "Ronda de los flujos" },
      thematic_areas: ["coordination"],
      starts_on: isoDate(0),
      responses_due_on: isoDate(60),
      ends_on: isoDate(200),
    },
  });
  check(round.data !== undefined, `create round: ${round.response.status} ${round.error?.detail ?? ""}`);
  const roundId = round.data.id;
  step(`round ${round.data.number} created (${round.data.status})`);

  const questions: Schemas["QuestionIn"][] = [
    { code: "Q.text", prompt: "Name of the coordination body", kind: "text", required: true },
    { code: "Q.long", prompt: { en: "Describe its mandate", es: "Describa su mandato" }, kind: "long_text" },
    { code: "Q.int", prompt: "Members", kind: "integer", min: 1, max: 500 },
    { code: "Q.dec", prompt: "Budget share (%)", kind: "decimal", min: 0, max: 100 },
    { code: "Q.bool", prompt: "Is it established by law?", kind: "boolean", required: true },
    { code: "Q.date", prompt: "Created on", kind: "date" },
    {
      code: "Q.one",
      prompt: "Its legal basis",
      kind: "single_choice",
      options: [
        { value: "law", label: { en: "A law", es: "Una ley" } },
        { value: "decree", label: "A decree" },
      ],
    },
    {
      code: "Q.many",
      prompt: "Who sits on it",
      kind: "multi_choice",
      options: [
        { value: "ministries", label: "Ministries" },
        { value: "civil_society", label: "Civil society" },
        { value: "academia", label: "Academia" },
      ],
    },
    { code: "Q.url", prompt: "Its website", kind: "url" },
  ];
  const questionnaire = await admin.POST("/api/v1/questionnaires", {
    body: {
      round: roundId,
      title: { en: "Self-Review Questionnaire", es: "Cuestionario de Autoevaluación" },
      sections: [{ code: "A", title: "Coordination", questions }],
    },
  });
  check(
    questionnaire.data !== undefined,
    `create questionnaire: ${questionnaire.response.status} ${JSON.stringify(questionnaire.error?.errors ?? [])}`,
  );
  const qid = questionnaire.data.id;
  const published = await admin.POST("/api/v1/questionnaires/{id}/publish", {
    params: { path: { id: qid } },
  });
  check(published.data?.status === "published", `publish: ${published.response.status}`);
  for (const code of ["ARG", "MEX"]) {
    const added = await admin.PUT("/api/v1/rounds/{id}/participants/{code}", {
      params: { path: { id: roundId, code } },
    });
    check(added.response.ok, `participant ${code}: ${added.response.status}`);
  }
  const opened = await admin.POST("/api/v1/rounds/{id}/open", { params: { path: { id: roundId } } });
  check(opened.data?.status === "open", `open: ${opened.response.status} ${opened.error?.detail ?? ""}`);
  step(`questionnaire ${qid} published with ${questions.length} kinds of question; round open`);

  // A focal point, and its national system as a machine client.
  const stamp = Date.now().toString(36);
  const email = `focal.${stamp}@argentina.example`;
  const password = `a long focal password ${stamp}`;
  const user = await admin.POST("/api/v1/users", {
    body: { email, display_name: "Punto focal", role: "member_country", country: "ARG", password },
  });
  check(user.data !== undefined, `create user: ${user.response.status}`);
  const focal = withToken(baseUrl, await login(email, password));
  const created = await focal.POST("/api/v1/me/clients", { body: { name: "National planning system" } });
  check(created.data !== undefined, `create client: ${created.response.status}`);
  const basic = Buffer.from(`${created.data.client_id}:${created.data.client_secret}`).toString("base64");
  const token = await client(baseUrl).POST("/api/v1/auth/token", {
    body: { grant_type: "client_credentials" },
    bodySerializer: (body) => {
      const form = new URLSearchParams();
      for (const [name, value] of Object.entries(body ?? {})) {
        if (typeof value === "string") form.set(name, value);
      }
      return form.toString();
    },
    headers: {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
    },
  });
  check(token.data !== undefined, `client credentials: ${token.response.status}`);
  const machine = withToken(baseUrl, token.data.access_token);
  step("a focal point's system holds a client-credentials token");

  // The system answers: create (idempotent), save every kind, submit.
  const key = `flows-${stamp}-create`;
  const create = () =>
    machine.POST("/api/v1/questionnaires/{id}/responses", {
      params: { path: { id: qid }, header: { "Idempotency-Key": key } },
      body: {},
    });
  const first = await create();
  check(first.data !== undefined, `create response: ${first.response.status} ${first.error?.detail ?? ""}`);
  const again = await create();
  check(again.data?.id === first.data.id, "a retry with the same key gets the same response");
  check(again.response.headers.get("idempotency-replayed") === "true", "the retry is a replay");
  const responseId = first.data.id;

  const answers: Schemas["AnswerIn"][] = [
    { question: "Q.text", value: "Centre-of-government office" },
    { question: "Q.long", value: "It coordinates the ministries' plans.\nIt reports yearly." },
    { question: "Q.int", value: 12 },
    { question: "Q.dec", value: 0.75 },
    { question: "Q.bool", value: true },
    { question: "Q.date", value: "2019-03-01" },
    { question: "Q.one", value: "law" },
    { question: "Q.many", value: ["ministries", "civil_society"] },
    { question: "Q.url", value: "https://www.argentina.gob.ar/" },
  ];
  const saved = await machine.PUT("/api/v1/responses/{id}/answers", {
    params: { path: { id: responseId } },
    body: answers,
  });
  check(saved.data !== undefined, `save answers: ${saved.response.status} ${JSON.stringify(saved.error?.errors ?? [])}`);
  check(saved.data.answered === answers.length, "every answer is saved");
  const wrong = await machine.PUT("/api/v1/responses/{id}/answers/{code}", {
    params: { path: { id: responseId, code: "Q.bool" } },
    body: { value: "yes" },
  });
  check(wrong.response.status === 422 && wrong.error?.errors?.[0]?.field === "Q.bool", "a wrong kind is a 422");
  const submitted = await machine.POST("/api/v1/responses/{id}/submit", {
    params: { path: { id: responseId }, header: { "Idempotency-Key": `flows-${stamp}-submit` } },
  });
  check(submitted.data?.status === "submitted", `submit: ${submitted.response.status} ${submitted.error?.detail ?? ""}`);
  step(`response ${responseId}: ${answers.length} answers of every kind, submitted`);

  // An analyst reads the answers.
  const exported = await admin.GET("/api/v1/exports/answers", {
    params: { query: { questionnaire: qid, format: "ndjson" } },
    parseAs: "text",
  });
  check(exported.data !== undefined, `export: ${exported.response.status}`);
  const rows = exported.data
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  check(rows.length === answers.length, `the export has ${answers.length} rows, not ${rows.length}`);
  check(
    rows.some((r) => r.question === "Q.one" && r.value_label === "A law"),
    "choices carry their labels",
  );
  step(`the answers export: ${rows.length} rows`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
