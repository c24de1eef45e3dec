/** The e2e server's web port (each helper runs its suite with its own E2E_PORT). */
export const E2E_WEB_PORT = Number(process.env.E2E_PORT ?? 3939);
/** Its forward-proxy gateway (SWITCHYARD_GATEWAY_PORT): 1000 above the web port, so parallel runs on different E2E_PORTs never share one. */
export const E2E_GATEWAY_PORT = E2E_WEB_PORT + 1000;
