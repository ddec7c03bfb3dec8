// The tasks area (issue 13), /taches: the person's task lists (calendars whose components
// include VTODO), their tasks sorted by due date, create/edit/complete/reopen/delete, filters
// (à faire, en retard, terminées, toutes) and printing (window.print(); styles/tasks.css holds
// the @media print rules, scoped by the class page-taches on <html>).
// API (design13.md): GET /api/v1/calendars, POST /api/v1/calendars {"name","components"},
// GET|POST /api/v1/calendars/{id}/tasks, PATCH|DELETE /api/v1/calendars/{id}/tasks/{name}.
import { get, post, patch, del, seg } from '../lib/api.js';
import { h, fill, announce, field } from '../lib/dom.js';
import { formatDateLong, formatTime, isoDate } from '../lib/format.js';
import { formDialog, confirmDialog, errorText, pageHeading, contentOf, uid, plural } from './ui.js';

const kFilters = [
  { key: 'todo', label: 'À faire' },
  { key: 'overdue', label: 'En retard' },
  { key: 'done', label: 'Terminées' },
  { key: 'all', label: 'Toutes' },
];
// RFC 5545 §3.8.1.9: 1-4 high, 5 medium, 6-9 low, 0 undefined (shown as normal).
const kPriorities = [
  { value: 1, label: 'Haute' },
  { value: 5, label: 'Normale' },
  { value: 9, label: 'Basse' },
];
export const priorityLevel = (p) => (p >= 1 && p <= 4 ? 1 : p >= 6 ? 9 : 5);
const priorityLabel = (p) => kPriorities.find((x) => x.value === priorityLevel(p)).label;

const isDone = (t) => t.status === 'COMPLETED' || t.status === 'CANCELLED';
const dateOnly = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s);
function dueDate(t) {
  if (!t.due) return null;
  if (dateOnly(t.due)) {
    const [y, m, d] = t.due.split('-').map(Number);
    return new Date(y, m - 1, d);
  }
  const d = new Date(t.due);
  return Number.isNaN(d.getTime()) ? null : d;
}
// Overdue: open, and its due day is before today (a date), or its due instant is past.
export function isOverdue(t, now = new Date()) {
  if (isDone(t) || !t.due) return false;
  if (dateOnly(t.due)) return t.due < isoDate(now);
  const d = dueDate(t);
  return d !== null && d < now;
}
function dueText(t) {
  const d = dueDate(t);
  if (!d) return '';
  return dateOnly(t.due) ? formatDateLong(d) : `${formatDateLong(d)} à ${formatTime(d)}`;
}
// Open tasks first by due date (no date last), then the done ones, last completed first.
function byDue(a, b) {
  if (isDone(a) !== isDone(b)) return isDone(a) ? 1 : -1;
  if (isDone(a)) return String(b.completed ?? '').localeCompare(String(a.completed ?? ''));
  const da = dueDate(a), db = dueDate(b);
  if (!da !== !db) return da ? -1 : 1;
  if (da && db && da - db !== 0) return da - db;
  if (priorityLevel(a.priority) !== priorityLevel(b.priority)) return priorityLevel(a.priority) - priorityLevel(b.priority);
  return String(a.summary).localeCompare(String(b.summary), 'fr');
}
const kept = (filter, now) => (t) => filter === 'all' ? true
  : filter === 'done' ? isDone(t)
  : filter === 'overdue' ? isOverdue(t, now)
  : !isDone(t);

const writable = (c) => c.writable ?? (c.access === 'owner' || c.access === 'read-write');

export async function mount(root) {
  document.documentElement.classList.add('page-taches');
  const heading = pageHeading(root, 'Tâches');
  const main = contentOf(root);
  fill(main, h('p', { class: 'chargement' }, 'Chargement des tâches…'));
  const state = { lists: [], list: null, tasks: [], filter: 'todo', me: null };
  // On paper only (styles/tasks.css): "Tâches de Jean Martin", then the list, filter and day.
  const printName = h('span', { class: 'taches-titre-nom' });
  const printDetail = h('span', { class: 'taches-titre-detail' });
  const printTitle = h('p', { class: 'taches-titre-impression', 'aria-hidden': 'true' }, printName, printDetail);
  try {
    const [me, lists] = await Promise.all([get('/api/v1/me').catch(() => null), loadLists()]);
    state.me = me;
    state.lists = lists;
  } catch (e) {
    fill(main, h('p', { class: 'erreur', role: 'alert' }, 'Impossible de charger vos listes de tâches : ' + errorText(e)));
    return;
  }
  const wanted = new URLSearchParams(location.search).get('liste');
  state.list = state.lists.find((c) => c.id === wanted) ?? state.lists.find((c) => c.access === 'owner') ?? state.lists[0] ?? null;

  const listSelect = h('select', { name: 'liste', onchange: () => choose(listSelect.value) });
  const filterBox = h('fieldset', { class: 'taches-filtres' }, h('legend', {}, 'Afficher'));
  const addForm = buildAddForm();
  const count = h('p', { class: 'taches-compte', id: uid('compte') });
  const list = h('ul', { class: 'taches-liste', 'aria-describedby': count.id });
  const listHeading = h('h2', { class: 'taches-liste-titre', tabindex: '-1', id: uid('titre') });
  const printButton = h('button', { type: 'button', class: 'secondaire taches-imprimer', onclick: () => printList() }, 'Imprimer');

  fill(main,
    printTitle,
    h('div', { class: 'taches-barre' },
      field('Liste de tâches', listSelect),
      h('button', { type: 'button', class: 'secondaire', onclick: newList }, 'Nouvelle liste'),
      printButton),
    addForm,
    h('section', { class: 'taches-section', 'aria-labelledby': listHeading.id },
      listHeading, filterBox, count, list));
  renderLists();
  await loadTasks();

  async function loadLists() {
    let { calendars } = await get('/api/v1/calendars');
    let lists = calendars.filter((c) => (c.components ?? ['VEVENT', 'VTODO']).includes('VTODO'));
    if (lists.length === 0) {
      // Every person has a task list (design13.md): made on first use.
      await post('/api/v1/calendars', { name: 'Tâches', components: ['VTODO'] });
      ({ calendars } = await get('/api/v1/calendars'));
      lists = calendars.filter((c) => (c.components ?? []).includes('VTODO'));
    }
    return lists;
  }

  function renderLists() {
    fill(listSelect, state.lists.map((c) => h('option', { value: c.id, selected: c === state.list },
      c.access === 'owner' ? c.name : `${c.name} (${c.owner?.name ?? c.owner?.login ?? 'partagée'})`)));
    const canWrite = state.list && writable(state.list);
    addForm.hidden = !canWrite;
  }

  async function choose(id) {
    state.list = state.lists.find((c) => c.id === id) ?? state.list;
    const url = new URL(location.href);
    url.searchParams.set('liste', state.list.id);
    history.replaceState(null, '', url);
    renderLists();
    await loadTasks();
  }

  async function loadTasks() {
    if (!state.list) {
      fill(list);
      count.textContent = 'Aucune liste de tâches.';
      return;
    }
    try {
      const { tasks } = await get(`/api/v1/calendars/${seg(state.list.id)}/tasks?status=all`);
      state.tasks = tasks;
    } catch (e) {
      state.tasks = [];
      announce('Impossible de charger les tâches : ' + errorText(e), { error: true });
    }
    render();
  }

  function renderFilters(now) {
    const counts = Object.fromEntries(kFilters.map((f) => [f.key, state.tasks.filter(kept(f.key, now)).length]));
    const name = uid('filtre');
    filterBox.replaceChildren(h('legend', {}, 'Afficher'), ...kFilters.map((f) => {
      const input = h('input', { type: 'radio', name, value: f.key, checked: state.filter === f.key,
        onchange: () => { state.filter = f.key; render(); } });
      return h('label', { class: 'taches-filtre' }, input, ` ${f.label} (${counts[f.key]})`);
    }));
  }

  function render(focusName) {
    const now = new Date();
    const canWrite = writable(state.list);
    const filterLabel = kFilters.find((f) => f.key === state.filter).label;
    listHeading.textContent = `${state.list.name} — ${filterLabel.toLowerCase()}`;
    const who = state.me?.display_name || state.me?.login || '';
    printName.textContent = who ? `Tâches de ${who}` : 'Tâches';
    printDetail.textContent = `Liste « ${state.list.name} » — ${filterLabel.toLowerCase()} — imprimée le ${formatDateLong(now)}`;
    renderFilters(now);
    const shown = state.tasks.filter(kept(state.filter, now)).sort(byDue);
    count.textContent = shown.length === 0 ? emptyText(state.filter) : plural(shown.length, 'tâche', 'tâches');
    fill(list, shown.map((t) => taskItem(t, now, canWrite)));
    if (focusName !== undefined) {
      const target = list.querySelector(`[data-tache="${CSS.escape(focusName)}"] input`) ?? listHeading;
      target.focus();
    }
  }

  function emptyText(filter) {
    return { todo: 'Aucune tâche à faire.', overdue: 'Aucune tâche en retard.', done: 'Aucune tâche terminée.', all: 'Aucune tâche dans cette liste.' }[filter];
  }

  function taskItem(t, now, canWrite) {
    const done = isDone(t), late = isOverdue(t, now);
    const titleId = uid('tache');
    const box = h('input', { type: 'checkbox', checked: done, disabled: !canWrite,
      'aria-labelledby': titleId, 'aria-describedby': titleId + '-etat',
      onchange: () => toggle(t, box.checked) });
    const meta = [];
    if (t.due) meta.push(h('span', { class: 'tache-echeance' + (late ? ' en-retard' : '') }, `Échéance : ${dueText(t)}`));
    if (late) meta.push(h('span', { class: 'badge badge-retard' }, 'En retard'));
    if (t.priority && priorityLevel(t.priority) !== 5) {
      meta.push(h('span', { class: `badge priorite-${priorityLevel(t.priority) === 1 ? 'haute' : 'basse'}` }, `Priorité ${priorityLabel(t.priority).toLowerCase()}`));
    }
    if (done && t.completed) {
      const c = new Date(t.completed);
      if (!Number.isNaN(c.getTime())) meta.push(h('span', { class: 'tache-terminee-le' }, `Terminée le ${formatDateLong(c)}`));
    }
    return h('li', { class: 'tache' + (done ? ' terminee' : '') + (late ? ' en-retard' : ''), dataset: { tache: t.name } },
      h('div', { class: 'tache-case' }, box),
      h('div', { class: 'tache-corps' },
        h('p', { class: 'tache-titre', id: titleId }, t.summary || '(sans titre)'),
        h('p', { class: 'invisible', id: titleId + '-etat' }, done ? 'Terminée' : late ? 'À faire, en retard' : 'À faire'),
        h('p', { class: 'tache-etat-impression', 'aria-hidden': 'true' }, done ? '☑ Terminée' : '☐ À faire'),
        t.description ? h('p', { class: 'tache-description' }, t.description) : null,
        meta.length ? h('p', { class: 'tache-meta' }, meta) : null),
      canWrite ? h('div', { class: 'tache-actions' },
        h('button', { type: 'button', class: 'secondaire', 'aria-label': `Modifier « ${t.summary} »`, onclick: () => edit(t) }, 'Modifier'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Supprimer « ${t.summary} »`, onclick: () => remove(t) }, 'Supprimer')) : null);
  }

  function buildAddForm() {
    const summary = h('input', { name: 'summary', required: true, maxlength: 500, autocomplete: 'off' });
    const due = h('input', { type: 'date', name: 'due' });
    const priority = prioritySelect(5);
    const form = h('form', { class: 'taches-ajout', 'aria-label': 'Ajouter une tâche' },
      field('Nouvelle tâche', summary),
      field('Échéance', due),
      field('Priorité', priority),
      h('button', { type: 'submit', class: 'principal' }, 'Ajouter'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { summary: summary.value.trim(), priority: Number(priority.value) };
      if (!body.summary) { summary.focus(); return; }
      if (due.value) body.due = due.value;
      try {
        const { task } = await post(`/api/v1/calendars/${seg(state.list.id)}/tasks`, body);
        state.tasks.push(task);
        form.reset();
        priority.value = '5';
        if (state.filter === 'done') state.filter = 'todo';
        render();
        summary.focus();
        announce(`Tâche « ${task.summary} » ajoutée.`);
      } catch (e) {
        announce("La tâche n'a pas été ajoutée : " + errorText(e), { error: true });
      }
    });
    return form;
  }

  function prioritySelect(value) {
    return h('select', { name: 'priority' },
      kPriorities.map((p) => h('option', { value: p.value, selected: p.value === priorityLevel(value) }, p.label)));
  }

  async function toggle(t, done) {
    try {
      const { task } = await patch(`/api/v1/calendars/${seg(state.list.id)}/tasks/${seg(t.name)}`, { done });
      replace(t, task);
      render(task.name);
      announce(done ? `Tâche « ${task.summary} » terminée.` : `Tâche « ${task.summary} » rouverte.`);
    } catch (e) {
      render(t.name);
      announce("La tâche n'a pas été modifiée : " + errorText(e), { error: true });
    }
  }

  async function edit(t) {
    const summary = h('input', { name: 'summary', required: true, maxlength: 500, value: t.summary ?? '' });
    const description = h('textarea', { name: 'description', rows: 4 });
    description.value = t.description ?? '';
    const due = h('input', { type: 'date', name: 'due', value: t.due ? (dateOnly(t.due) ? t.due : isoDate(dueDate(t))) : '' });
    const priority = prioritySelect(t.priority);
    const task = await formDialog(`Modifier la tâche « ${t.summary} »`,
      [field('Titre', summary), field('Description', description), field('Échéance', due, 'Laissez vide pour une tâche sans échéance.'), field('Priorité', priority)],
      {
        onSubmit: async () => {
          const body = { summary: summary.value.trim(), description: description.value,
            due: due.value || null, priority: Number(priority.value) };
          // A time of day set by another client stays when the day did not change.
          if (t.due && !dateOnly(t.due) && due.value === isoDate(dueDate(t))) delete body.due;
          if (priorityLevel(t.priority) === body.priority) delete body.priority;
          return (await patch(`/api/v1/calendars/${seg(state.list.id)}/tasks/${seg(t.name)}`, body)).task;
        },
      });
    if (!task) return;
    replace(t, task);
    render(task.name);
    announce(`Tâche « ${task.summary} » enregistrée.`);
  }

  async function remove(t) {
    if (!(await confirmDialog('Supprimer la tâche', `Supprimer la tâche « ${t.summary} » ? Elle disparaîtra aussi de vos autres appareils.`, 'Supprimer'))) return;
    try {
      await del(`/api/v1/calendars/${seg(state.list.id)}/tasks/${seg(t.name)}`);
      const i = state.tasks.indexOf(t);
      const next = list.querySelectorAll('li')[Math.max(0, [...list.children].findIndex((li) => li.dataset.tache === t.name) + 1)]?.dataset.tache;
      state.tasks.splice(i, 1);
      render(next ?? '');
      announce(`Tâche « ${t.summary} » supprimée.`);
    } catch (e) {
      announce("La tâche n'a pas été supprimée : " + errorText(e), { error: true });
    }
  }

  function replace(old, task) {
    const i = state.tasks.findIndex((x) => x.name === old.name);
    if (i >= 0) state.tasks[i] = task; else state.tasks.push(task);
  }

  async function newList() {
    const name = h('input', { name: 'name', required: true, maxlength: 200 });
    const created = await formDialog('Nouvelle liste de tâches', [field('Nom de la liste', name)], {
      submit: 'Créer',
      onSubmit: async () => (await post('/api/v1/calendars', { name: name.value.trim(), components: ['VTODO'] })).calendar,
    });
    if (!created) return;
    state.lists = await loadLists();
    await choose(created.id);
    announce(`Liste « ${created.name} » créée.`);
    listSelect.focus();
  }

  function printList() {
    render();
    window.print();
  }
  void heading;
}
