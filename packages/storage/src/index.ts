// Public entry of @runnel/storage. Filled in by the package's implementation.
export {};
