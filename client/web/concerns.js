/* concerns.js -- samvirke web: concerns about a person. A partner (a caretaker, a club worker)
 * hands one in: samvirke web encrypts it on this machine to the SSP regime and keeps the
 * receipt; the partner then sees whether it was received and handled, nothing more. The core
 * team lists, reads, assigns, answers (with a restricted note) and closes them. */
'use strict';

(function () {
  const el = SV.el, t = SV.t;

  function submitPanel(done) {
    const form = el('form', { id: 'concern-form', class: 'panel' },
      el('h2', { text: t('concern.submit.title') }),
      el('p', { class: 'muted', text: t('concern.submit.intro') }),
      SV.field(t('concern.area'), el('input', { name: 'area', id: 'c-area', maxlength: 64 }), t('concern.area.hint')),
      SV.field(t('notes.purpose'), el('input', { name: 'purpose', id: 'c-purpose', value: 'bekymring' }), t('concern.purpose.hint')),
      SV.field(t('concern.body'), el('textarea', { name: 'body', id: 'c-body', rows: 6 })),
      el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
      el('button', { type: 'submit', id: 'c-send', text: t('concern.submit.button') }));
    const receipts = el('table', { id: 'receipts', class: 'entries' });
    const box = el('section', {}, form, el('h2', { text: t('concern.receipts') }),
      el('p', { class: 'muted', text: t('concern.receipts.intro') }), el('div', { class: 'tablewrap' }, receipts));
    async function load() {
      const r = await SV.get('/api/receipts');
      const rs = r.result.receipts || [];
      receipts.replaceChildren(
        el('thead', {}, el('tr', {}, ...['concern.col.receipt', 'concern.col.time', 'concern.col.area', 'concern.col.state']
          .map((k) => el('th', { text: t(k) })))),
        el('tbody', {}, ...(rs.length ? rs.map((x) => el('tr', { id: 'receipt-' + x.receipt, class: 'state-' + x.state },
          el('td', { class: 'object', text: x.receipt }), el('td', { text: SV.fmtTime(x.time) }),
          el('td', { text: x.area || '–' }), el('td', { class: 'state', text: t('concern.state.' + x.state) })))
          : [el('tr', {}, el('td', { colspan: 4, class: 'muted', text: t('concern.noreceipts') }))])));
    }
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      SV.clearProblems(form);
      const f = form.elements;
      try {
        const r = await SV.post('/api/concern/submit', { area: f.area.value.trim(), purpose: f.purpose.value.trim(), body: f.body.value });
        f.body.value = '';
        SV.status(done, t('concern.submitted', r.result.receipt, r.result.recipients, r.audit));
        await load();
      } catch (p) { SV.formProblem(form, p); }
    });
    box.load = load;
    return box;
  }

  function regimePanel(done) {
    const tabs = el('div', { class: 'tabs', id: 'concern-tabs' });
    const list = el('ol', { id: 'concern-list', class: 'note-list' });
    const detail = el('div', { id: 'concern-detail', class: 'panel', hidden: true });
    let status = '';
    for (const [k, v] of [['concern.open', ''], ['concern.closed', 'closed']]) {
      tabs.append(el('button', { type: 'button', class: v === status ? 'on' : '', 'data-status': v, text: t(k),
        onclick: async (e) => { status = v; tabs.querySelectorAll('button').forEach((b) => b.classList.toggle('on', b === e.target)); await load(); } }));
    }
    async function load() {
      const r = await SV.get('/api/concerns', status ? { status } : null);
      const cs = r.result.concerns || [];
      list.replaceChildren(...(cs.length ? cs.map((c) => el('li', { id: 'concern-' + c.id },
        el('span', { class: 'num', text: 'C' + c.id }), ' ',
        el('strong', { text: t('concern.state.' + c.status) }), ' ',
        t('concern.row', c.submitter || '–', c.area || '–', c.purpose, SV.fmtTime(c.time)),
        c.assignee ? el('span', { class: 'muted', text: ' — ' + t('concern.assignee', c.assignee) }) : null, ' ',
        el('button', { type: 'button', class: 'read', text: t('notes.read'), onclick: () => show(c.id) })))
        : [el('li', { class: 'muted', id: 'concerns-none', text: t('concern.none') })]));
    }
    async function show(id) {
      const r = await SV.get('/api/concern', { id });
      const c = r.result;
      const assignSel = el('select', { name: 'who', id: 'cd-who' }, ...(c.recipients || []).map((n) =>
        el('option', { value: n, text: n, selected: n === (c.assignee || SV.session.member.name) })));
      const assignForm = el('form', { id: 'cd-assign' }, SV.field(t('concern.assign'), assignSel),
        el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
        el('button', { type: 'submit', text: t('concern.assign.button') }));
      assignForm.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          const a = await SV.post('/api/concern/assign', { id: c.id, who: assignSel.value });
          SV.status(done, t('concern.assigned', c.id, a.result.assignee, a.audit));
          await load(); await show(c.id);
        } catch (p) { SV.formProblem(assignForm, p); }
      });
      const others = (c.recipients || []).filter((n) => n !== SV.session.member.name);
      const answerForm = el('form', { id: 'cd-answer' },
        el('h4', { text: t('concern.answer') }),
        el('p', { class: 'muted small', text: t('concern.answer.hint') }),
        el('div', { class: 'recipients' }, ...others.map((n) => el('label', { class: 'inline' },
          el('input', { type: 'checkbox', name: 'to', value: n, checked: true }), ' ' + n))),
        SV.field(t('notes.purpose'), el('input', { name: 'purpose', value: c.purpose || '' })),
        SV.field(t('notes.body'), el('textarea', { name: 'body', id: 'cd-answer-text', rows: 3 })),
        el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
        el('button', { type: 'submit', text: t('notes.send.button') }));
      answerForm.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const f = answerForm.elements;
        try {
          const a = await SV.post('/api/concern/answer', { id: c.id, to: [...answerForm.querySelectorAll('input[name=to]:checked')].map((x) => x.value),
            purpose: f.purpose.value.trim(), area: c.area || '', body: f.body.value });
          SV.status(done, t('notes.sent', a.to.join(', '), a.audit));
          await show(c.id);
        } catch (p) { SV.formProblem(answerForm, p); }
      });
      const closeBtn = el('button', { type: 'button', id: 'cd-close', text: t('concern.close'), onclick: async () => {
        try {
          const a = await SV.post('/api/concern/close', { id: c.id });
          SV.status(done, t('concern.closed.done', c.id, a.audit));
          detail.hidden = true;
          await load();
        } catch (p) { SV.showProblem(detail.querySelector('#cd-problem'), p); }
      } });
      SV.fill(detail,
        el('h3', { text: t('concern.detail', c.id, t('concern.state.' + c.status)) }),
        el('p', { class: 'muted', text: t('concern.row', c.from_name, c.area || '–', c.purpose, SV.fmtTime(c.time)) +
          (c.answers ? ' — ' + t('concern.answers', c.answers) : '') }),
        el('p', { class: 'muted small', text: t('notes.verified', c.from_fingerprint) }),
        el('div', { id: 'concern-body', class: 'note-body', text: c.body }),
        el('div', { id: 'cd-problem', hidden: true }),
        c.status !== 'closed' ? assignForm : null, c.status !== 'closed' ? answerForm : null,
        c.status !== 'closed' ? closeBtn : null, ' ',
        el('button', { type: 'button', text: t('notes.close'), onclick: () => { detail.hidden = true; } }));
      detail.hidden = false;
    }
    const box = el('section', { id: 'regime-concerns' }, el('h2', { text: t('concern.regime.title') }),
      el('p', { class: 'muted', text: t('notes.intro') }), tabs, list, detail);
    box.load = load;
    return box;
  }

  SV.views.concerns = async function (main) {
    const caps = SV.session.caps;
    main.append(el('h1', { text: t('concern.title') }));
    if (!caps.area) { main.append(el('p', { text: t('home.auditor') })); return; }
    const done = el('p', { id: 'concern-status', class: 'done', hidden: true, role: 'status' });
    main.append(done);
    if (caps.core) {
      const p = regimePanel(done);
      main.append(p);
      await p.load();
    } else {
      const p = submitPanel(done);
      main.append(p);
      await p.load();
    }
  };
})();
