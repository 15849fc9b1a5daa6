/** @herald/registrar: SIP registrar and location service. */
export {};
