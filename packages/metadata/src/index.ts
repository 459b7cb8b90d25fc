// Public entry of @runnel/metadata. Filled in by the package's implementation.
export {};
