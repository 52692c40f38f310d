/* tracks.js -- samvirke web: the two tracks on an area's page. The area's outline and the links
 * between resources and challenges drawn on the map (also in the meeting view), where the area
 * stands in the four steps, and its meetings: the area meeting with partners and, for the core
 * team only, the core team's own (the daemon never shows a partner that track). A meeting's
 * agenda can be drafted from what changed since the last meeting. */
'use strict';

(function () {
  const el = SV.el, t = SV.t;

  /* ---- the map's outline and links ---- */

  /* Draw the area's outline (from the area list) and the links between its observations into
   * layer. Returns the number of link lines drawn. */
  SV.drawAreaExtras = async function (map, layer, name, observations) {
    const [areas, links] = await Promise.all([SV.get('/api/areas'), SV.get('/api/links', { area: name })]);
    layer.clearLayers();
    const area = (areas.result.areas || []).find((a) => a.name === name);
    const b = area && Array.isArray(area.boundary) ? area.boundary : [];
    const first = map.svBoundary === undefined;
    map.svBoundary = [];
    if (b.length >= 6) {
      const ring = map.svBoundary;
      for (let i = 0; i + 1 < b.length; i += 2) ring.push([b[i + 1], b[i]]); /* [lon, lat] pairs */
      L.polygon(ring, { color: '#243b4a', weight: 3, dashArray: '8 6', fill: true, fillColor: '#ffffff',
        fillOpacity: 0.35, interactive: false, className: 'sv-boundary' }).addTo(layer);
    }
    const at = {};
    for (const o of observations) if (typeof o.lat === 'number' && typeof o.lon === 'number') at[o.id] = [o.lat, o.lon];
    let n = 0;
    for (const l of links.result.links || []) {
      if (!l.resource || !l.challenge || !at[l.resource] || !at[l.challenge]) continue;
      L.polyline([at[l.resource], at[l.challenge]], { color: '#2e6da4', weight: 3, opacity: 0.9,
        className: 'sv-link', interactive: true })
        .bindTooltip(SV.el('span', { text: t('link.answers', l.resource, l.challenge) }))
        .addTo(layer);
      n++;
    }
    layer.eachLayer((x) => x.bringToBack && x.bringToBack());
    /* the first time, show the whole outline with the markers (later draws keep it in view) */
    if (first && map.svBoundary.length) {
      map.fitBounds(map.svBoundary.concat(Object.values(at)), { padding: [30, 30], maxZoom: 17 });
    }
    return n;
  };

  /* ---- where the area stands ---- */

  SV.drawStatus = async function (box, name) {
    const r = await SV.get('/api/status', { area: name });
    const s = r.result, steps = s.steps || [];
    const at = steps.findIndex((x) => x.step === s.step);
    const iv = s.interventions || {};
    SV.fill(box,
      el('strong', { text: t('status.step', at + 1, t('step.' + s.step)) }), ' ',
      el('span', { class: 'steps' }, ...steps.map((x) => el('span', { class: 'stepmark ' + (x.done ? 'on' : 'off'),
        title: t('step.' + x.step), text: x.done ? '✓' : '·' }))), ' ',
      el('span', { class: 'muted', text: t('status.counts', s.observations.resources, s.observations.challenges,
        s.links, (iv.planned || 0) + (iv.running || 0), (iv.done || 0) + (iv.evaluated || 0)) }),
      s.overdue ? el('span', { class: 'warn', id: 'status-overdue', text: ' ' + t('status.overdue', s.overdue) }) : null,
      s.next_meeting ? el('span', { class: 'muted', text: ' ' + t('status.next', SV.fmtTime(s.next_meeting.time)) }) : null,
      typeof s.open_concerns === 'number' ? el('span', { class: 'muted', id: 'status-concerns', text: ' ' + t('status.concerns', s.open_concerns) }) : null);
  };

  /* ---- meetings ---- */

  const label = (m) => (m.track === 'core' ? 'K' : '#') + m.id;

  /* Unix seconds from an <input type=datetime-local> value (local time), or NaN. */
  function unixOf(v) { return v ? Math.floor(new Date(v).getTime() / 1000) : NaN; }

  function agendaList(items, id) {
    return el('ol', { id, class: 'agenda' }, ...(items || []).map((i) => el('li', {},
      i.text, i.observation ? el('span', { class: 'num', text: ' [#' + i.observation + ']' }) : null,
      i.intervention ? el('span', { class: 'num', text: ' [I' + i.intervention + ']' }) : null)));
  }

  /* The meetings section of an area's page: list, one meeting opened, and the form to plan one. */
  SV.meetingsSection = function (name, done, onchange) {
    const caps = SV.session.caps;
    const list = el('ol', { id: 'meeting-list', class: 'iv-list' });
    const detail = el('div', { id: 'meeting-detail', class: 'panel', hidden: true });
    const trackSel = el('select', { name: 'track', id: 'm-track' },
      el('option', { value: 'area', text: t('track.area') }),
      caps.core ? el('option', { value: 'core', text: t('track.core') }) : null);
    const who = el('div', { id: 'm-with', class: 'recipients' });
    const items = el('textarea', { name: 'item', id: 'm-items', rows: 5 });
    const form = el('form', { id: 'meeting-form', class: 'panel' },
      el('h3', { text: t('meeting.add') }),
      SV.field(t('meeting.track'), trackSel, caps.core ? t('meeting.track.hint') : null),
      SV.field(t('meeting.time'), el('input', { name: 'time', id: 'm-time', type: 'datetime-local' })),
      SV.field(t('meeting.titlefield'), el('input', { name: 'title', id: 'm-title', maxlength: 64 })),
      el('div', { class: 'row' }, el('span', { class: 'label', text: t('meeting.with') }), who,
        el('p', { class: 'field-error', 'data-err': 'with', hidden: true })),
      SV.field(t('meeting.items'), items, t('meeting.items.hint')),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', id: 'm-draft', text: t('meeting.draft'), onclick: () => draft() })),
      el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
      el('button', { type: 'submit', id: 'm-save', text: t('meeting.add.button') }));
    const section = el('section', { class: 'meetings', id: 'meetings' },
      el('h2', { text: t('meeting.list') }), list, detail, form);

    async function loadMembers() {
      try {
        const r = await SV.get('/api/members');
        const track = trackSel.value;
        who.replaceChildren(...(r.members || []).filter((m) => !m.revoked && (track === 'area' || m.regime))
          .map((m) => el('label', { class: 'inline' },
            el('input', { type: 'checkbox', name: 'with', value: m.name, checked: m.name === SV.session.member.name }),
            ' ' + m.name)));
      } catch (p) { SV.showProblem(form.querySelector('[data-err=""]'), p); }
    }
    trackSel.addEventListener('change', loadMembers);

    async function draft() {
      SV.clearProblems(form);
      try {
        const r = await SV.get('/api/meeting/draft', { area: name, track: trackSel.value });
        const lines = (r.result.items || []).map((i) => i.text);
        const have = items.value.trim();
        items.value = (have ? have + '\n' : '') + lines.join('\n');
        SV.status(done, lines.length ? t('meeting.drafted', lines.length) : t('meeting.drafted.none'));
      } catch (p) { SV.formProblem(form, p); }
    }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      SV.clearProblems(form);
      const f = form.elements;
      const when = unixOf(f.time.value);
      if (!Number.isFinite(when) || when <= 0) {
        SV.formProblem(form, new SV.Problem({ code: 'web_missing', field: 'time' }));
        return;
      }
      try {
        const r = await SV.post('/api/meeting/add', {
          area: name, track: trackSel.value, time: when, title: f.title.value.trim(),
          with: [...who.querySelectorAll('input:checked')].map((x) => x.value),
          item: items.value.split('\n').map((x) => x.trim()).filter((x) => x),
        });
        form.reset();
        SV.status(done, t('meeting.added', label(r.result), r.audit));
        await load();
        await show(r.result);
        await loadMembers();
      } catch (p) { SV.formProblem(form, p); }
    });

    async function load() {
      const r = await SV.get('/api/meetings', { area: name });
      const ms = (r.result.meetings || []).slice().sort((a, b) => b.time - a.time);
      list.replaceChildren(...(ms.length ? ms.map((m) => el('li', { id: 'meeting-' + m.track + '-' + m.id, class: 'meeting-row ' + m.track },
        el('span', { class: 'num', text: label(m) }), ' ',
        el('span', { class: 'track ' + m.track, text: t('track.' + m.track) }), ' ',
        el('strong', { text: SV.fmtTime(m.time) }), ' ', m.title || '',
        el('span', { class: 'muted', text: ' — ' + t('meeting.counts', (m.agenda || []).length, (m.decisions || []).length) }), ' ',
        el('button', { type: 'button', class: 'open', text: t('meeting.open.button'), onclick: () => show(m) })))
        : [el('li', { class: 'muted', text: t('meeting.none') })]));
    }

    async function show(m) {
      const r = await SV.get('/api/meeting', { id: m.id, track: m.track });
      const x = r.result, core = x.track === 'core';
      const mi = x.minutes;
      const itemForm = el('form', { id: 'md-item-form' },
        SV.field(t('meeting.item.add'), el('input', { name: 'text', id: 'md-item' })),
        el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
        el('button', { type: 'submit', text: t('w.add') }));
      itemForm.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          const a = await SV.post('/api/meeting/item', { id: x.id, track: x.track, text: itemForm.elements.text.value });
          SV.status(done, t('w.saved', a.audit));
          await show(x);
          await load();
        } catch (p) { SV.formProblem(itemForm, p); }
      });
      const decideForm = el('form', { id: 'md-decide-form' },
        SV.field(t('meeting.decide'), el('input', { name: 'text', id: 'md-decide' }), t('meeting.decide.hint')),
        SV.field(t('meeting.owner'), el('input', { name: 'owner', id: 'md-owner', value: SV.session.member.name })),
        SV.field(t('meeting.due'), el('input', { name: 'due', id: 'md-due', type: 'date' })),
        el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
        el('button', { type: 'submit', text: t('meeting.decide.button') }));
      decideForm.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const f = decideForm.elements;
        const due = f.due.value ? unixOf(f.due.value + 'T12:00') : undefined;
        try {
          const a = await SV.post('/api/meeting/decide', { id: x.id, track: x.track, text: f.text.value, owner: f.owner.value.trim(), due });
          SV.status(done, t('meeting.decided', a.result.intervention.id, a.audit));
          await show(x);
          if (onchange) await onchange();
        } catch (p) { SV.formProblem(decideForm, p); }
      });
      let minutesBox;
      if (mi && typeof mi.text === 'string') {
        minutesBox = el('div', {}, el('h4', { text: t('meeting.minutes') }),
          core ? el('p', { class: 'muted small', text: t('meeting.minutes.sealed', mi.recipients || 0) }) : null,
          el('div', { id: 'md-minutes', class: 'note-body', text: mi.text }),
          el('p', { class: 'muted small', text: t('w.by', mi.author) + ', ' + SV.fmtTime(mi.time) }));
      } else if (!core) {
        const mf = el('form', { id: 'md-minutes-form' },
          SV.field(t('meeting.minutes'), el('textarea', { name: 'text', id: 'md-minutes-text', rows: 4 }), t('obs.text.hint')),
          el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
          el('button', { type: 'submit', text: t('w.save') }));
        mf.addEventListener('submit', async (ev) => {
          ev.preventDefault();
          try {
            const a = await SV.post('/api/meeting/minutes', { id: x.id, text: mf.elements.text.value });
            SV.status(done, t('w.saved', a.audit));
            await show(x);
          } catch (p) { SV.formProblem(mf, p); }
        });
        minutesBox = mf;
      } else {
        /* the core team's minutes: sealed here to the attendees, as a restricted note is */
        const cf = el('form', { id: 'md-core-minutes-form' },
          el('p', { class: 'muted small', text: t('meeting.minutes.seal', (x.attendees || []).join(', ')) }),
          SV.field(t('notes.purpose'), el('input', { name: 'purpose', id: 'md-core-purpose', value: 'forebyggelse' }), t('notes.purpose.hint')),
          SV.field(t('meeting.minutes'), el('textarea', { name: 'body', id: 'md-core-minutes-text', rows: 4 })),
          el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
          el('button', { type: 'submit', text: t('notes.send.button') }));
        cf.addEventListener('submit', async (ev) => {
          ev.preventDefault();
          SV.clearProblems(cf);
          try {
            const a = await SV.post('/api/meeting/core-minutes', { id: x.id, to: x.attendees || [], area: x.area,
              purpose: cf.elements.purpose.value.trim(), body: cf.elements.body.value });
            SV.status(done, t('meeting.minutes.sealed.done', a.to.length, a.audit));
            await show(x);
          } catch (p) { SV.formProblem(cf, p); }
        });
        minutesBox = cf;
      }
      SV.fill(detail,
        el('h3', { id: 'md-title', text: t('meeting.detail', label(x), x.title || t('track.' + x.track)) }),
        el('p', { class: 'muted', text: SV.fmtTime(x.time) + ' — ' + t('track.' + x.track) +
          ((x.attendees || []).length ? ' — ' + t('meeting.attendees', x.attendees.join(', ')) : '') }),
        el('h4', { text: t('meeting.agenda') }),
        (x.agenda || []).length ? agendaList(x.agenda, 'md-agenda') : el('p', { class: 'muted', text: t('meeting.noagenda') }),
        itemForm,
        (x.decisions || []).length ? el('p', { id: 'md-decisions', text: t('meeting.decisions', x.decisions.map((d) => 'I' + d).join(', ')) }) : null,
        decideForm, minutesBox,
        core ? null : el('a', { id: 'md-wall', href: '/meeting?area=' + encodeURIComponent(name) + '&meeting=' + x.id,
          text: t('meeting.wall') }), ' ',
        el('button', { type: 'button', text: t('notes.close'), onclick: () => { detail.hidden = true; } }));
      detail.hidden = false;
    }

    section.load = async () => { await Promise.all([load(), loadMembers()]); };
    return section;
  };

  /* ---- the projector's agenda: the area meeting asked for (?meeting=N), else the one going
   * on or next, else the last one. Only the area track is put on the wall, whoever is logged
   * in. ---- */
  SV.drawAgenda = async function (box, name) {
    const r = await SV.get('/api/meetings', { area: name });
    const ms = (r.result.meetings || []).filter((m) => m.track === 'area');
    const now = Date.now() / 1000;
    const asked = Number(SV.query('meeting'));
    const next = ms.find((m) => m.id === asked) ||
      ms.filter((m) => m.time >= now - 4 * 3600).sort((a, b) => a.time - b.time)[0] ||
      ms.sort((a, b) => b.time - a.time)[0];
    if (!next) {
      box.replaceChildren(el('h2', { text: t('meeting.agenda') }), el('p', { class: 'muted', text: t('meeting.noagenda') }));
      return;
    }
    const m = (await SV.get('/api/meeting', { id: next.id })).result;
    box.replaceChildren(
      el('h2', { text: t('meeting.agenda') + ' — ' + SV.fmtTime(m.time) + (m.title ? ' · ' + m.title : '') }),
      (m.agenda || []).length ? agendaList(m.agenda, 'meeting-agenda-list') : el('p', { class: 'muted', text: t('meeting.noagenda') }));
  };
})();
