// Public entry of @runnel/client. Filled in by the package's implementation.
export {};
