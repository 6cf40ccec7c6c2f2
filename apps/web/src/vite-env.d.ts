/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's GraphQL URL when the app is served from another origin (e.g. http://localhost:4000/graphql). */
  readonly VITE_API_URL?: string;
}
