// Attendees of an event, seen from the event form.
//
// Hook for the invitations area (people-ui): the form asks attendeePicker() for a control. By
// default it is a plain text field of e-mail addresses; setAttendeePicker(factory) replaces it
// with the directory autocomplete. factory({attendees, form}) must return
// {element: Node, value: () => [{address, name?}]}; `attendees` are the event's current ones
// ([{address, name, partstat}]); `form` gives start()/end() of the event being edited (for a
// free/busy grid) and setTimes(start, end) (a slot picked in that grid).
import { h, field } from '../lib/dom.js';
import { eventFormAttendees } from '../invitations/attendees.js';
import { attendeeAnswers as answersList } from '../invitations/answers.js';

// The directory picker and the team's free/busy grid of the invitations area (people-ui).
let factory = eventFormAttendees;
export function setAttendeePicker(f) { factory = f; }

export function attendeePicker(opts) {
  if (factory) {
    try {
      return factory(opts);
    } catch (e) {
      console.error('attendee picker', e);
    }
  }
  return plainPicker(opts);
}

const strip = (a) => (a ?? '').replace(/^mailto:/i, '');

function plainPicker({ attendees = [] }) {
  const input = h('input', {
    name: 'attendees', type: 'text', autocomplete: 'off',
    value: attendees.map((a) => strip(a.address)).join(', '),
  });
  const element = field('Participants', input,
    'Adresses électroniques séparées par des virgules ; une invitation leur est envoyée.');
  return {
    element,
    value: () => input.value.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean)
      .map((address) => ({ address })),
  };
}

// The list of attendees and their answers (read-only), shown in the form: the invitations
// area's renderer (icon + "a accepté", "a refusé", "peut-être", "en attente").
export function attendeeAnswers(attendees) {
  if (!attendees?.length) return null;
  return h('div', { class: 'participants' },
    h('h3', {}, 'Réponses des participants'), answersList(attendees));
}
