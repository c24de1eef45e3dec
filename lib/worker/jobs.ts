// The worker role's jobs. Each domain registers its own; this file only decides which run.
export {};
