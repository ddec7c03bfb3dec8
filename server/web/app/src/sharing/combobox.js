// A colleague (and optionally group) picker with directory autocomplete, following the WAI-ARIA
// 1.2 combobox pattern: an <input role=combobox> owning a listbox, arrow keys move the active
// option (aria-activedescendant), Entrée picks it, Échap closes. People come from
// GET /api/v1/directory?q= (accent- and case-insensitive prefixes); groups (departments and
// establishments) from GET /api/v1/directory/groups, matched here. The person may also type a
// login or an e-mail address directly: value() then returns what they typed.
import { get } from '../lib/api.js';
import { h, fill } from '../lib/dom.js';
import { uid, debounce, matchesWords } from '../tasks/ui.js';

let groupsPromise = null;
function directoryGroups() {
  groupsPromise ??= get('/api/v1/directory/groups').then((g) => [
    ...(g.departements ?? []).map((d) => ({ key: d.key ?? `departement:${d.code}`, name: d.name, members: d.members, kind: 'Département' })),
    ...(g.etablissements ?? []).map((e) => ({ key: e.key ?? `etablissement:${e.uai}`, name: `${e.name} (${e.uai})`, members: e.members, kind: 'Établissement' })),
  ]).catch(() => { groupsPromise = null; return []; });
  return groupsPromise;
}

// combobox({label, groups: bool, exclude: login → bool}) → {element, input, value(), clear()}.
// value(): {with: login | group key | typed text, name} or null.
export function combobox({ label, groups = false, hint }) {
  const listId = uid('propositions');
  const hintId = uid('aide');
  const input = h('input', {
    type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId,
    'aria-describedby': hintId, id: uid('combo'),
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'propositions', hidden: true, 'aria-label': `Propositions pour ${label.toLowerCase()}` });
  const status = h('p', { class: 'invisible', role: 'status' });
  let options = [];
  let active = -1;
  let chosen = null;
  let controller = null;

  const element = h('div', { class: 'champ combo' },
    h('label', { for: input.id }, label), input,
    h('p', { class: 'aide', id: hintId }, hint ?? (groups
      ? 'Tapez le début d’un nom, une adresse, un département ou un établissement, puis choisissez dans la liste.'
      : 'Tapez le début d’un nom ou une adresse, puis choisissez dans la liste.')),
    list, status);

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }
  function setActive(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    const li = list.children[i];
    if (li) {
      input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }
  }
  function pick(i) {
    const o = options[i];
    if (!o) return;
    chosen = o;
    input.value = o.label;
    close();
    status.textContent = `${o.label} choisi.`;
  }

  const search = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 2) { close(); options = []; return; }
    controller?.abort();
    controller = new AbortController();
    try {
      const [found, allGroups] = await Promise.all([
        get(`/api/v1/directory?q=${encodeURIComponent(q)}&limit=10`, { signal: controller.signal }),
        groups ? directoryGroups() : [],
      ]);
      options = [
        ...(found.people ?? []).filter((p) => p.login).map((p) => ({
          with: p.login, name: p.name, label: p.name,
          detail: [p.fonction, p.etablissement].filter(Boolean).join(', ') })),
        ...allGroups.filter((g) => matchesWords(`${g.name} ${g.key}`, q)).slice(0, 5).map((g) => ({
          with: g.key, name: g.name, label: g.name, detail: `${g.kind}, ${g.members ?? 0} personnes`, group: true })),
      ];
    } catch (e) {
      if (e.name === 'AbortError') return;
      options = [];
    }
    render();
  }, 200);

  function render() {
    fill(list, options.map((o, i) => h('li', {
      id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false', class: o.group ? 'groupe' : '',
      onmousedown: (ev) => ev.preventDefault(), onclick: () => { pick(i); input.focus(); },
    }, h('span', { class: 'proposition-nom' }, o.label), o.detail ? h('span', { class: 'proposition-detail' }, ` — ${o.detail}`) : null)));
    const open = options.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    active = -1;
    input.removeAttribute('aria-activedescendant');
    status.textContent = open ? `${options.length} proposition${options.length > 1 ? 's' : ''}, flèches haut et bas pour choisir.` : 'Aucune proposition.';
  }

  input.addEventListener('input', () => { chosen = null; search(); });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' && options.length) {
      ev.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      setActive((active + 1) % options.length);
    } else if (ev.key === 'ArrowUp' && options.length) {
      ev.preventDefault();
      setActive(active <= 0 ? options.length - 1 : active - 1);
    } else if (ev.key === 'Enter' && !list.hidden && active >= 0) {
      ev.preventDefault();
      pick(active);
    } else if (ev.key === 'Escape' && !list.hidden) {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));

  return {
    element,
    input,
    value() {
      if (chosen && chosen.label === input.value) return chosen;
      const typed = input.value.trim();
      return typed ? { with: typed, name: typed } : null;
    },
    clear() { input.value = ''; chosen = null; options = []; close(); },
  };
}
