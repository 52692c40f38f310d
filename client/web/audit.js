/* audit.js -- samvirke web: the audit trail. Auditors verify the whole log against the log key
 * (samvirke web does the checking on this machine, with progress shown here), then read its
 * refusals and failed requests with the members' names from the verified directory, page through
 * every entry, and prove single entries. Every member can prove the entries of their own
 * requests (the number each change reports). */
'use strict';

(function () {
  const el = SV.el, t = SV.t;

  function entryRow(e, onprove) {
    const who = e.actor === '-' ? t('audit.daemon')
      : (e.actor_name ? e.actor_name + (e.actor_proven ? ' ✓' : ' (' + t('audit.unproven') + ')') : e.actor);
    const failed = e.decision === 'deny' || (e.outcome && e.outcome !== 'ok');
    return el('tr', { id: 'entry-' + e.seq, class: failed ? 'failed' : '' },
      el('td', { class: 'num', text: String(e.seq) }),
      el('td', { text: new Date(e.time_ms).toLocaleString(SV.locale()) }),
      el('td', { class: 'actor', text: who, title: e.actor }),
      el('td', { text: t('role.' + e.role) !== 'role.' + e.role ? t('role.' + e.role) : e.role }),
      el('td', { class: 'op', text: e.op }),
      el('td', { text: e.class }),
      el('td', { class: 'object', text: e.object }),
      el('td', { class: 'decision', text: e.decision === 'deny' ? t('audit.deny') : t('audit.permit') }),
      el('td', { class: 'rule', text: e.rule }),
      el('td', { class: 'outcome', text: e.outcome || '' }),
      el('td', { text: e.purpose }),
      el('td', {}, onprove ? el('button', { type: 'button', class: 'prove', text: t('audit.prove'), onclick: () => onprove(e.seq) }) : null));
  }
  function entryTable(id) {
    const cols = ['audit.col.seq', 'audit.col.time', 'audit.col.actor', 'audit.col.role', 'audit.col.op',
      'audit.col.class', 'audit.col.object', 'audit.col.decision', 'audit.col.rule', 'audit.col.outcome',
      'audit.col.purpose', ''];
    return el('table', { id, class: 'entries' },
      el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { text: c ? t(c) : '' })))),
      el('tbody', {}));
  }

  SV.views.audit = async function (main) {
    const caps = SV.session.caps;
    main.append(el('h1', { text: t('audit.title') }));
    const problem = el('div', { id: 'audit-problem', hidden: true, role: 'alert' });

    /* proving one entry: for everyone */
    const proveBox = el('div', { id: 'prove-result', hidden: true });
    const proveForm = el('form', { id: 'prove-form', class: 'panel' },
      el('h2', { text: t('audit.prove.title') }),
      el('p', { class: 'muted', text: caps.audit ? t('audit.prove.hint.auditor') : t('audit.prove.hint') }),
      SV.field(t('audit.prove.seq'), el('input', { name: 'seq', id: 'prove-seq', type: 'number', min: 0, step: 1, value: SV.query('prove') || '' })),
      el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
      el('button', { type: 'submit', id: 'prove-button', text: t('audit.prove') }), proveBox);
    async function prove(seq) {
      SV.clearProblems(proveForm);
      proveBox.hidden = true;
      proveForm.elements.seq.value = String(seq);
      try {
        const r = await SV.post('/api/audit/prove', { seq });
        const tb = entryTable('prove-entry');
        tb.tBodies[0].append(entryRow(r.entry, null));
        proveBox.replaceChildren(el('p', { class: 'done', id: 'prove-ok', text: t('audit.proven', r.entry.seq, r.size, t('audit.trusted.' + r.trusted)) }), tb);
        proveBox.hidden = false;
        proveForm.scrollIntoView({ block: 'nearest' });
      } catch (p) { SV.formProblem(proveForm, p); }
    }
    proveForm.addEventListener('submit', (ev) => { ev.preventDefault(); prove(proveForm.elements.seq.value); });

    if (!caps.audit) {
      main.append(el('p', { class: 'notice', id: 'audit-notauditor', text: t('audit.notauditor') }), proveForm);
      return;
    }

    /* verifying the log */
    const bar = el('progress', { id: 'audit-progress', max: 1, value: 0 });
    const barText = el('span', { id: 'audit-progress-text', class: 'muted' });
    const verifyBtn = el('button', { type: 'button', id: 'audit-verify', text: t('audit.verify') });
    const summary = el('div', { id: 'audit-summary' });
    const members = el('div', { id: 'audit-members' });
    const tabs = el('div', { class: 'tabs', id: 'audit-tabs' });
    const table = entryTable('audit-entries');
    const more = el('button', { type: 'button', id: 'audit-more', text: t('audit.more'), hidden: true });
    let show = 'notable', next = null;
    ['notable', 'all'].forEach((k) => tabs.append(el('button', { type: 'button', 'data-show': k,
      class: k === show ? 'on' : '', text: t('audit.show.' + k),
      onclick: (e) => { show = k; tabs.querySelectorAll('button').forEach((b) => b.classList.toggle('on', b === e.target)); loadEntries(true); } })));
    main.append(el('section', { class: 'panel' },
      el('p', { text: t('audit.intro') }), verifyBtn, ' ', bar, ' ', barText), problem, summary, members,
      el('h2', { text: t('audit.entries') }), tabs, el('div', { class: 'tablewrap' }, table), more, proveForm);

    function phaseText(s) {
      if (s.phase === 'entries') return t('audit.phase.entries', SV.num(s.done), SV.num(s.total));
      if (s.phase === 'directory') return t('audit.phase.directory', s.done, s.total);
      return t('audit.phase.' + (s.phase || 'none'));
    }
    function drawSummary(v) {
      summary.replaceChildren(el('p', { class: 'done', id: 'audit-verified',
        text: t('audit.verified', SV.num(v.size), v.root.slice(0, 16), t('audit.trusted.' + v.trusted)) }),
      el('p', { id: 'audit-counts', text: t('audit.counts', SV.num(v.permits), SV.num(v.denials), SV.num(v.failures)) }),
      v.notable_cut ? el('p', { class: 'notice', text: t('audit.cut') }) : null);
      members.replaceChildren(el('h2', { text: t('audit.members') }), el('ul', { class: 'members' },
        ...v.members.map((m) => el('li', { id: 'member-' + m.keyid },
          m.name + ' (' + (t('role.' + m.role) !== 'role.' + m.role ? t('role.' + m.role) : m.role) + ') ',
          el('span', { class: m.proven ? 'ok' : 'warn', text: m.proven ? t('audit.member.proven') : t('audit.member.unproven') }),
          m.revoked ? el('span', { class: 'muted', text: ' ' + t('audit.member.revoked') }) : null,
          el('span', { class: 'muted small', text: ' ' + m.keyid })))));
    }
    async function poll() {
      for (;;) {
        let s;
        try { s = await SV.get('/api/audit/status'); } catch (p) { SV.showProblem(problem, p); verifyBtn.disabled = false; return; }
        bar.max = Math.max(1, s.total);
        bar.value = s.done;
        barText.textContent = phaseText(s);
        if (!s.running) {
          verifyBtn.disabled = false;
          if (s.phase === 'failed') {
            SV.showProblem(problem, new SV.Problem({ code: 'web_unverifiable', message: s.error }));
          } else if (s.verified) {
            problem.hidden = true;
            drawSummary(s.verified);
            await loadEntries(true);
          }
          return;
        }
        await new Promise((ok) => setTimeout(ok, 200));
      }
    }
    verifyBtn.addEventListener('click', async () => {
      verifyBtn.disabled = true;
      problem.hidden = true;
      try { await SV.post('/api/audit/verify', {}); } catch (p) { if (p.code !== 'web_busy') { SV.showProblem(problem, p); verifyBtn.disabled = false; return; } }
      await poll();
    });
    async function loadEntries(fresh) {
      const body = table.tBodies[0];
      if (fresh) { body.replaceChildren(); next = null; }
      try {
        const q = { show, count: 50 };
        if (next !== null) q.before = next;
        const r = await SV.get('/api/audit/entries', q);
        body.append(...r.entries.map((e) => entryRow(e, prove)));
        if (!body.children.length) body.append(el('tr', {}, el('td', { colspan: 12, class: 'muted', id: 'audit-noentries', text: t('audit.noentries') })));
        next = r.next_before;
        more.hidden = !(next > 0 && r.entries.length > 0);
      } catch (p) { if (p.code !== 'web_unverified') SV.showProblem(problem, p); }
    }
    more.addEventListener('click', () => loadEntries(false));
    await poll(); /* shows the last result, or a verification that is still running */
    if (SV.query('prove')) prove(SV.query('prove'));
  };
})();
