/** @herald/message-summary: message-summary event package (RFC 3842) for message-waiting. */
export {};
