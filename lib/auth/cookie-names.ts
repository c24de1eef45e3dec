// Kept free of imports so proxy.ts can use them without pulling in the database client.
export const SESSION_COOKIE = "switchyard_session";
/** Used over https: the __Host- prefix makes browsers insist on Secure, path=/ and no Domain. */
export const SECURE_SESSION_COOKIE = "__Host-switchyard_session";
