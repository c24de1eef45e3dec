import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  // We do not run the React Compiler, so "the compiler skips this hook" notices are noise.
  { rules: { "react-hooks/incompatible-library": "off" } },
  { ignores: ["generated/**", ".next/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"] },
];

export default config;
