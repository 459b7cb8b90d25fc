// Public entry of @runnel/protocol. Filled in by the package's implementation.
export {};
