/** @herald/presence: presence and presence.winfo event packages: PIDF, RPID, XPIDF, composition, watcher info. */
export {};
