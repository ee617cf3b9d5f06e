// A typed client of the MECIGEP API: `paths` and `components` are generated from
// openapi/openapi.json (`npm run generate`); openapi-fetch does the requests.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
/** The API's named schemas, e.g. `Schemas["Round"]`. */
export type Schemas = components["schemas"];
export type MecigepClient = Client<paths>;

/** A client without credentials: what the public reads. */
export function client(baseUrl: string): MecigepClient {
  return createClient<paths>({ baseUrl });
}

/** A client that sends `Authorization: Bearer <token>` with every request. */
export function withToken(baseUrl: string, token: string): MecigepClient {
  const api = createClient<paths>({ baseUrl });
  const bearer: Middleware = {
    onRequest({ request }) {
      request.headers.set("authorization", `Bearer ${token}`);
      return request;
    },
  };
  api.use(bearer);
  return api;
}
