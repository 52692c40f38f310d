/* notes.js -- samvirke web: restricted notes for the core team (the SSP regime). The notes are
 * decrypted by samvirke web on this machine; this page only shows them, and keeps nothing. */
'use strict';

(function () {
  const el = SV.el, t = SV.t;

  SV.views.notes = async function (main) {
    main.append(el('h1', { text: t('notes.title') }));
    if (!SV.session.caps.core) {
      main.append(el('p', { id: 'notes-notcore', class: 'notice', text: t('notes.notcore') }));
      return;
    }
    main.append(el('p', { class: 'muted', text: t('notes.intro') }));
    const problem = el('div', { id: 'notes-problem', hidden: true });
    const done = el('p', { id: 'notes-status', class: 'done', hidden: true, role: 'status' });
    const list = el('ol', { id: 'note-list', class: 'note-list' });
    const view = el('section', { id: 'note-view', class: 'panel', hidden: true });
    main.append(problem, done, el('h2', { text: t('notes.waiting') }), list, view);

    async function load() {
      try {
        const r = await SV.get('/api/notes');
        list.replaceChildren(...(r.notes.length ? r.notes.map(row)
          : [el('li', { class: 'muted', id: 'notes-none', text: t('notes.none') })]));
      } catch (p) { SV.showProblem(problem, p); }
    }
    function row(n) {
      return el('li', { id: 'note-' + n.id, class: 'note' },
        el('strong', { text: n.from_name || n.from }), ' ',
        el('span', { class: 'muted', text: SV.fmtTime(n.created) }), ' — ',
        el('span', { class: 'purpose', text: t('notes.purpose') + ': ' + n.purpose }),
        n.area ? el('span', { class: 'muted', text: ' · ' + n.area }) : null, ' ',
        el('button', { type: 'button', class: 'read', text: t('notes.read'), onclick: () => read(n.id) }));
    }
    async function read(id) {
      problem.hidden = true;
      try {
        const r = await SV.get('/api/note', { id });
        const n = r.note;
        view.replaceChildren(
          el('h2', { text: t('notes.from', n.from_name) }),
          el('p', { class: 'muted', text: SV.fmtTime(n.created) + ' · ' + t('notes.purpose') + ': ' + n.purpose +
            (n.area ? ' · ' + n.area : '') + ' · ' + t('w.audit_no', r.audit) }),
          el('p', { class: 'muted small', text: t('notes.verified', n.from_fingerprint) }),
          el('div', { id: 'note-body', class: 'note-body', text: n.body }),
          el('div', { class: 'buttons' },
            el('button', { type: 'button', id: 'note-ack', text: t('notes.ack'), onclick: () => ack(n.id) }),
            el('button', { type: 'button', id: 'note-close', text: t('notes.close'), onclick: () => { view.replaceChildren(); view.hidden = true; } })));
        view.hidden = false;
      } catch (p) { SV.showProblem(problem, p); }
    }
    async function ack(id) {
      try {
        const r = await SV.post('/api/note/ack', { id });
        view.replaceChildren();
        view.hidden = true;
        SV.status(done, t('notes.acked', r.audit));
        await load();
      } catch (p) { SV.showProblem(problem, p); }
    }

    /* sending */
    const form = el('form', { id: 'note-form', class: 'panel' }, el('h2', { text: t('notes.send') }));
    const rcpts = el('fieldset', { id: 'note-to', class: 'recipients' }, el('legend', { text: t('notes.to') }));
    const areaSel = el('select', { name: 'area', id: 'note-area' }, el('option', { value: '', text: t('notes.noarea') }));
    form.append(rcpts, el('p', { class: 'field-error', 'data-err': 'to', hidden: true, role: 'alert' }),
      SV.field(t('notes.purpose'), el('input', { name: 'purpose', id: 'note-purpose', list: 'purposes', value: 'forebyggelse' }), t('notes.purpose.hint')),
      el('datalist', { id: 'purposes' }, el('option', { value: 'forebyggelse' })),
      SV.field(t('notes.area'), areaSel),
      SV.field(t('notes.body'), el('textarea', { name: 'body', id: 'note-text', rows: 6 })),
      el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
      el('button', { type: 'submit', id: 'note-send', text: t('notes.send.button') }));
    main.append(form);
    try {
      const [m, a] = await Promise.all([SV.get('/api/members'), SV.get('/api/areas')]);
      const me = SV.session.member.name;
      const regime = m.members.filter((x) => x.regime && !x.revoked && x.name !== me);
      rcpts.append(...(regime.length ? regime.map((x) => el('label', { class: 'inline' },
        el('input', { type: 'checkbox', name: 'to', value: x.name }), ' ' + x.name + ' (' + t('role.' + x.role) + ')'))
        : [el('p', { class: 'muted', text: t('notes.nobody') })]));
      areaSel.append(...(a.result.areas || []).map((x) => el('option', { value: x.name, text: x.name })));
    } catch (p) { SV.showProblem(problem, p); }
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      SV.clearProblems(form);
      const to = [...form.querySelectorAll('input[name=to]:checked')].map((c) => c.value);
      try {
        const r = await SV.post('/api/note/send', { to, purpose: form.elements.purpose.value,
          area: areaSel.value, body: form.elements.body.value });
        form.elements.body.value = '';
        SV.status(done, t('notes.sent', r.to.join(', '), r.audit));
      } catch (p) { SV.formProblem(form, p); }
    });
    await load();
    setInterval(load, 30000);
  };
})();
