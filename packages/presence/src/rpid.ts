/**
 * RFC 4480 vocabularies and the DND / on-the-phone readings phones use.
 */

/** RFC 4480 §3.2 activity values (`other` carries free text). */
export const RPID_ACTIVITIES: readonly string[] = [
  'appointment',
  'away',
  'breakfast',
  'busy',
  'dinner',
  'holiday',
  'in-transit',
  'looking-for-work',
  'meal',
  'meeting',
  'on-the-phone',
  'performance',
  'permanent-absence',
  'playing',
  'presentation',
  'shopping',
  'sleeping',
  'spectator',
  'steering',
  'travel',
  'tv',
  'unknown',
  'vacation',
  'working',
  'worship',
  'other',
];

/** RFC 4480 §3.5 mood values. */
export const RPID_MOODS: readonly string[] = [
  'afraid', 'amazed', 'angry', 'annoyed', 'anxious', 'ashamed', 'bored', 'brave', 'calm', 'cold', 'confused',
  'contented', 'cranky', 'curious', 'depressed', 'disappointed', 'disgusted', 'distracted', 'embarrassed', 'excited',
  'flirtatious', 'frustrated', 'grumpy', 'guilty', 'happy', 'hot', 'humbled', 'humiliated', 'hungry', 'hurt',
  'impressed', 'in_awe', 'in_love', 'indignant', 'interested', 'invincible', 'jealous', 'lonely', 'mean', 'moody',
  'nervous', 'neutral', 'offended', 'playful', 'proud', 'relieved', 'remorseful', 'restless', 'sad', 'sarcastic',
  'serious', 'shocked', 'shy', 'sick', 'sleepy', 'stressed', 'surprised', 'thirsty', 'worried', 'unknown', 'other',
]; // prettier-ignore

/** RFC 4480 §3.8 privacy values. */
export const RPID_PRIVACY: readonly string[] = ['audio', 'text', 'video', 'unknown'];

const ACTIVITY_SET = new Set(RPID_ACTIVITIES);
const MOOD_SET = new Set(RPID_MOODS);
const PRIVACY_SET = new Set(RPID_PRIVACY);

/**
 * Activity names written by phones outside RFC 4480 mapped onto it
 * (CounterPath's draft namespace, `dnd` spelled out, Microsoft-style words).
 */
const ACTIVITY_ALIASES: ReadonlyMap<string, string> = new Map([
  ['dnd', 'busy'],
  ['do-not-disturb', 'busy'],
  ['donotdisturb', 'busy'],
  ['onthephone', 'on-the-phone'],
  ['on-phone', 'on-the-phone'],
  ['in-meeting', 'meeting'],
  ['inmeeting', 'meeting'],
  ['berightback', 'away'],
  ['be-right-back', 'away'],
  ['outtolunch', 'meal'],
  ['lunch', 'meal'],
]);

/** An RFC 4480 activity for a local name or draft word; unknown words → `other` (RFC 4480 §3.2). */
export function normalizeActivity(word: string): string {
  const w = word.trim().toLowerCase();
  if (ACTIVITY_SET.has(w)) return w;
  return ACTIVITY_ALIASES.get(w) ?? 'other';
}

/** A mood value, or `other` when outside RFC 4480 §3.5. */
export function normalizeMood(word: string): string {
  const w = word.trim().toLowerCase();
  return MOOD_SET.has(w) ? w : 'other';
}

/** A privacy value, or undefined when outside RFC 4480 §3.8. */
export function normalizePrivacy(word: string): string | undefined {
  const w = word.trim().toLowerCase();
  return PRIVACY_SET.has(w) ? w : undefined;
}

// Zoiper and others put DND only in the note (babble-drachtio-presence reads it there too).
const DND_NOTE = /\b(dnd|do[\s-]*not[\s-]*disturb)\b/i;
const PHONE_NOTE = /\b(on the phone|on-the-phone|in a call|on a call)\b/i;

/** Whether a note's text says do-not-disturb ("DND", "Do Not Disturb"). */
export function isDndNote(text: string): boolean {
  return DND_NOTE.test(text);
}

/** Whether a note's text says the user is in a call ("On the phone", Polycom/Zoiper wording). */
export function isOnThePhoneNote(text: string): boolean {
  return PHONE_NOTE.test(text);
}

/** The DND reading of activities: `busy` (RFC 4480) or a dnd alias normalized to it. */
export function activitiesSayDnd(activities: readonly string[]): boolean {
  return activities.includes('busy');
}
