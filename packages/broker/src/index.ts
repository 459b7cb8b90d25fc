// Public entry of @runnel/broker. Filled in by the package's implementation.
export {};
