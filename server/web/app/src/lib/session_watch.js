// Owned by the shell helper (issue 13): the idle-session warning dialog.
import { idleSeconds } from './session.js';

export function startSessionWatch() {
  void idleSeconds;
}
