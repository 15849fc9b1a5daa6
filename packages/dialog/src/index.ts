/** @herald/dialog: dialog event package (RFC 4235 dialog-info+xml) for BLF. */
export {};
