/* area.js -- samvirke web: the list of areas, and an area's page: the map of resources (green)
 * and challenges (red), adding one by clicking the map, correcting and withdrawing one's own,
 * and the area's interventions. */
'use strict';

(function () {
  const el = SV.el, t = SV.t;
  const DENMARK = [56.0, 10.6];

  /* ---- the map, shared with the meeting view ---- */

  /* A Leaflet map in box: the configured base map, or a plain background and a notice saying so
   * (put into notice). Returns the map. */
  SV.makeMap = function (box, notice) {
    const map = L.map(box, { zoomControl: true, preferCanvas: false });
    map.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(map);
    const tiles = SV.session.tiles;
    if (tiles) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution || '', maxZoom: 19 }).addTo(map);
    } else if (notice) {
      notice.replaceChildren(t('area.notiles'));
      notice.hidden = false;
    }
    map.setView(DENMARK, 7);
    return map;
  };

  SV.kindColor = (kind) => (kind === 'resource' ? '#1b7f3b' : '#c0392b');

  /* Number the markers of list in layer by observation id, as on the printed map (called once
   * the markers are on the screen): a few hundred at a time, so a long list does not hold the
   * map back. A later call for the same layer stops an unfinished numbering. */
  SV.numberMarkers = function (layer, list) {
    const gen = (layer.svNumbering = (layer.svNumbering || 0) + 1);
    const todo = list.filter((o) => typeof o.lat === 'number' && typeof o.lon === 'number');
    layer.svNums = {};
    let i = 0;
    const slice = () => {
      if (layer.svNumbering !== gen) return;
      for (const end = Math.min(todo.length, i + 250); i < end; i++) {
        const o = todo[i];
        const at = (layer.svPlaced && layer.svPlaced[o.id]) || [o.lat, o.lon];
        layer.svNums[o.id] = L.marker(at, { interactive: false, keyboard: false,
          icon: L.divIcon({ className: 'sv-num', html: String(Number(o.id)), iconSize: null, iconAnchor: [-9, 9] }) }).addTo(layer);
      }
      if (i < todo.length) setTimeout(slice, 0);
    };
    slice();
  };

  /* Draw observations with a place as circle markers into layer; fit the map to them. onpick
   * (may be null) gets the observation of a clicked marker. Returns the markers by id. */
  SV.drawObservations = function (map, layer, list, onpick) {
    layer.clearLayers();
    const markers = {}, pts = [];
    for (const o of list) {
      if (typeof o.lat !== 'number' || typeof o.lon !== 'number') continue;
      const m = L.circleMarker([o.lat, o.lon], {
        radius: 9, weight: 2, color: '#ffffff', fillColor: SV.kindColor(o.kind), fillOpacity: 0.9,
        className: 'sv-marker sv-' + o.kind,
      });
      /* an element with text: Leaflet puts a string tooltip in as markup (innerHTML) */
      m.bindTooltip(SV.el('span', { text: '#' + o.id + ' ' + o.category + ': ' + o.text.slice(0, 80) }));
      if (onpick) m.on('click', (e) => { L.DomEvent.stopPropagation(e); onpick(o); });
      m.addTo(layer);
      markers[o.id] = m;
      pts.push([o.lat, o.lon]);
    }
    if (map.svBoundary) pts.push(...map.svBoundary); /* keep the area's outline in view */
    if (pts.length === 1) map.setView(pts[0], 16);
    /* the padding leaves room for a ring of markers sharing a point (spreadShared) */
    else if (pts.length > 1) map.fitBounds(pts, { padding: [40, 40], maxZoom: 17 });
    spreadShared(map, layer, list, markers);
    return markers;
  };

  /* Markers that share a point would hide each other: as on the printed map, they are drawn on
   * a ring around the point (a fixed distance on the screen, so the ring is laid out again at
   * every zoom), each joined to the true point by a thin leader. The numbers follow them. */
  const SPREAD_PX = 24;
  function spreadShared(map, layer, list, markers) {
    if (layer.svRelayout) map.off('zoomend', layer.svRelayout);
    const byPoint = new Map();
    for (const o of list) {
      if (!markers[o.id]) continue;
      const key = o.lat + ',' + o.lon;
      if (!byPoint.has(key)) byPoint.set(key, []);
      byPoint.get(key).push(o);
    }
    const groups = [...byPoint.values()].filter((g) => g.length > 1).map((g) => ({
      at: L.latLng(g[0].lat, g[0].lon), items: g.sort((a, b) => a.id - b.id),
      leaders: g.map(() => L.polyline([], { weight: 1.5, color: '#555', interactive: false,
        className: 'sv-leader' }).addTo(layer)),
    }));
    layer.svPlaced = {};
    layer.svRelayout = function () {
      for (const g of groups) {
        const n = g.items.length, r = Math.max(SPREAD_PX, (n * 22) / (2 * Math.PI));
        const c = map.latLngToLayerPoint(g.at);
        g.items.forEach((o, k) => {
          const a = -Math.PI / 2 + (2 * Math.PI * k) / n;
          const p = map.layerPointToLatLng(c.add([r * Math.cos(a), r * Math.sin(a)]));
          markers[o.id].setLatLng(p);
          g.leaders[k].setLatLngs([g.at, p]);
          layer.svPlaced[o.id] = p;
          if (layer.svNums && layer.svNums[o.id]) layer.svNums[o.id].setLatLng(p);
        });
      }
    };
    if (groups.length) {
      layer.svRelayout();
      map.on('zoomend', layer.svRelayout);
    }
  }

  /* ---- the list of areas ---- */

  SV.views.home = async function (main) {
    const caps = SV.session.caps;
    main.append(el('h1', { text: t('home.title') }));
    if (!caps.area) {
      main.append(el('p', { id: 'auditor-note' }, t('home.auditor'), ' ',
        el('a', { href: '/audit', text: t('nav.audit') })));
      return;
    }
    main.append(el('p', { text: t('home.intro') }));
    const list = el('ul', { id: 'areas', class: 'areas' });
    const box = el('div', { id: 'areas-problem', hidden: true });
    main.append(box, list);
    async function load() {
      try {
        const r = await SV.get('/api/areas');
        const areas = r.result.areas || [];
        list.replaceChildren(...(areas.length ? areas.map((a) => el('li', {},
          el('a', { class: 'area-link', href: '/area?name=' + encodeURIComponent(a.name), text: a.name }),
          a.description ? el('span', { class: 'muted', text: ' – ' + a.description }) : null))
          : [el('li', { class: 'muted', text: t('home.noareas') })]));
      } catch (p) { SV.showProblem(box, p); }
    }
    const form = el('form', { id: 'area-form', class: 'panel' },
      el('h2', { text: t('home.add') }),
      SV.field(t('home.name'), el('input', { name: 'name', required: true, maxlength: 64 })),
      SV.field(t('home.description'), el('input', { name: 'description' })),
      el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
      el('button', { type: 'submit', text: t('w.add') }),
      el('p', { class: 'done', id: 'area-done', hidden: true }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      SV.clearProblems(form);
      const f = new FormData(form);
      try {
        const r = await SV.post('/api/area/add', { name: f.get('name'), description: f.get('description') });
        form.reset();
        SV.status(form.querySelector('#area-done'), t('w.saved', r.audit));
        load();
      } catch (p) { SV.formProblem(form, p); }
    });
    main.append(form);
    await load();
  };

  /* ---- an area's page ---- */

  SV.views.area = async function (main) {
    const name = SV.query('name');
    if (!name) { main.append(el('p', { text: t('meeting.noarea') })); return; }
    const me = SV.session.member.name;
    const notice = el('p', { id: 'map-notice', class: 'notice', hidden: true });
    const mapBox = el('div', { id: 'map', class: 'map', role: 'region', 'aria-label': t('area.map.label', name) });
    const side = el('aside', { class: 'side' });
    const done = el('p', { id: 'area-status', class: 'done', hidden: true, role: 'status' });
    const problem = el('div', { id: 'area-problem', hidden: true });
    const statusBox = el('p', { id: 'area-steps', class: 'steps-line' });
    main.append(
      el('div', { class: 'titlebar' }, el('h1', { id: 'area-name', text: name }),
        el('a', { id: 'meeting-link', href: '/meeting?area=' + encodeURIComponent(name), text: t('nav.meeting') })),
      statusBox, notice, problem, done,
      el('div', { class: 'mapwrap' }, mapBox, side));
    const map = SV.makeMap(mapBox, notice);
    const extras = L.layerGroup().addTo(map);
    const layer = L.layerGroup().addTo(map);
    let observations = [], markers = {}, filter = 'all';
    async function refreshStatus() {
      try { await SV.drawStatus(statusBox, name); } catch (p) { SV.showProblem(problem, p); }
    }

    /* the form: new (click on the map) or correcting one's own (mode edit) */
    const kindRadios = ['resource', 'challenge'].map((k) => el('label', { class: 'inline' },
      el('input', { type: 'radio', name: 'kind', value: k, id: 'f-kind-' + k, checked: k === 'resource' }),
      ' ' + t('obs.kind.' + k)));
    const levelSel = el('select', { name: 'level', id: 'f-level' },
      el('option', { value: 'area', text: t('obs.level.area') }),
      el('option', { value: 'group', text: t('obs.level.group') }));
    const sizeRow = SV.field(t('obs.size'), el('input', { name: 'size', id: 'f-size', type: 'number', min: 1, step: 1 }));
    const atText = el('span', { id: 'f-at-text' });
    const form = el('form', { id: 'obs-form', class: 'panel', hidden: true },
      el('h2', { id: 'obs-form-title' }),
      el('div', { class: 'row', id: 'f-kind-row' }, el('span', { class: 'label', text: t('obs.kind') }), ...kindRadios,
        el('p', { class: 'field-error', 'data-err': 'kind', hidden: true })),
      SV.field(t('obs.category'), el('input', { name: 'category', id: 'f-category', list: 'categories', maxlength: 64 }), t('obs.category.hint')),
      el('div', { id: 'f-level-row' }, SV.field(t('obs.level'), levelSel)),
      sizeRow,
      SV.field(t('obs.text'), el('textarea', { name: 'text', id: 'f-text', rows: 4 }), t('obs.text.hint')),
      el('div', { class: 'row' }, el('span', { class: 'label', text: t('obs.at') }), atText,
        el('input', { type: 'hidden', name: 'lat' }), el('input', { type: 'hidden', name: 'lon' }),
        el('small', { class: 'hint', id: 'f-move-hint', text: t('obs.move') }),
        el('p', { class: 'field-error', 'data-err': 'at', hidden: true })),
      el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
      el('div', { class: 'buttons' },
        el('button', { type: 'submit', id: 'f-save', text: t('w.save') }),
        el('button', { type: 'button', id: 'f-cancel', text: t('w.cancel'), onclick: () => closeForm() })));
    const cats = el('datalist', { id: 'categories' },
      ...['fritid', 'tryghed', 'skole', 'familie', 'beskæftigelse', 'sundhed', 'kultur', 'idræt', 'belysning']
        .map((c) => el('option', { value: c })));
    const hint = el('p', { id: 'click-hint', class: 'hint', text: t('area.clickhint') });
    const legend = el('p', { class: 'legend' },
      el('span', { class: 'dot resource' }), ' ' + t('area.legend.resource') + '  ',
      el('span', { class: 'dot challenge' }), ' ' + t('area.legend.challenge'));
    const tabs = el('div', { class: 'tabs', id: 'obs-filter' }, ...['all', 'resource', 'challenge'].map((k) =>
      el('button', { type: 'button', 'data-filter': k, class: k === 'all' ? 'on' : '',
        text: t('obs.filter.' + k), onclick: (e) => { filter = k; tabs.querySelectorAll('button').forEach((b) => b.classList.toggle('on', b === e.target)); renderList(); } })));
    const list = el('ol', { id: 'obs-list', class: 'obs-list' });
    const unplaced = el('p', { id: 'obs-unplaced', class: 'muted' });
    side.append(hint, form, cats, el('h2', { text: t('obs.list') }), legend, tabs, unplaced, list);

    levelSel.addEventListener('change', () => { sizeRow.hidden = levelSel.value !== 'group'; });

    function setAt(lat, lon) {
      form.elements.lat.value = lat === null ? '' : lat.toFixed(6);
      form.elements.lon.value = lon === null ? '' : lon.toFixed(6);
      atText.textContent = lat === null ? t('obs.at.none') : lat.toFixed(5) + ', ' + lon.toFixed(5);
    }
    function openNew(latlng) {
      form.reset();
      SV.clearProblems(form);
      form.dataset.mode = 'add';
      delete form.dataset.id;
      form.querySelector('#obs-form-title').textContent = t('obs.add.title');
      form.querySelector('#f-kind-row').hidden = false;
      form.querySelector('#f-level-row').hidden = false;
      form.querySelector('#f-move-hint').hidden = true;
      sizeRow.hidden = true;
      setAt(latlng.lat, latlng.lng);
      form.hidden = false;
      hint.hidden = true;
      form.elements.category.focus();
    }
    function openEdit(o) {
      form.reset();
      SV.clearProblems(form);
      form.dataset.mode = 'edit';
      form.dataset.id = String(o.id);
      form.querySelector('#obs-form-title').textContent = t('obs.edit.title', o.id);
      form.querySelector('#f-kind-row').hidden = true;
      form.querySelector('#f-level-row').hidden = true;
      form.querySelector('#f-move-hint').hidden = false;
      sizeRow.hidden = o.level !== 'group';
      form.elements.category.value = o.category;
      form.elements.text.value = o.text;
      if (o.size) form.elements.size.value = o.size;
      setAt(typeof o.lat === 'number' ? o.lat : null, typeof o.lon === 'number' ? o.lon : null);
      form.hidden = false;
      hint.hidden = true;
    }
    function closeForm() { form.hidden = true; hint.hidden = false; SV.clearProblems(form); }

    map.on('click', (e) => {
      if (!form.hidden && form.dataset.mode === 'edit') setAt(e.latlng.lat, e.latlng.lng);
      else openNew(e.latlng);
    });

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      SV.clearProblems(form);
      const f = form.elements, edit = form.dataset.mode === 'edit';
      const fields = { category: f.category.value.trim(), text: f.text.value, lat: f.lat.value, lon: f.lon.value };
      if (!sizeRow.hidden) fields.size = f.size.value;
      try {
        let r;
        if (edit) {
          fields.id = form.dataset.id;
          r = await SV.post('/api/observation/update', fields);
          SV.status(done, t('obs.updated', r.result.id, r.audit));
        } else {
          fields.area = name;
          fields.kind = form.querySelector('input[name=kind]:checked').value;
          fields.level = levelSel.value;
          r = await SV.post('/api/observation/add', fields);
          SV.status(done, t('obs.added', r.result.id, r.audit));
        }
        closeForm();
        await loadObservations();
      } catch (p) { SV.formProblem(form, p); }
    });

    /* The list is drawn in slices, so the map shows before a long list is done; one click
     * handler serves every row. */
    let listToken = 0;
    function renderList() {
      const shown = observations.filter((o) => filter === 'all' || o.kind === filter);
      const n = observations.filter((o) => typeof o.lat !== 'number').length;
      unplaced.textContent = n ? t('area.unplaced', n) : '';
      const token = ++listToken;
      list.replaceChildren();
      if (!shown.length) { list.append(el('li', { class: 'muted', text: t('obs.none') })); return Promise.resolve(); }
      return new Promise((ok) => {
        let i = 0;
        const slice = () => {
          if (token !== listToken) { ok(); return; }
          const frag = document.createDocumentFragment();
          for (const end = Math.min(shown.length, i + (i ? 300 : 100)); i < end; i++) frag.append(row(shown[i]));
          list.append(frag);
          if (i < shown.length) setTimeout(slice, 0); else ok();
        };
        slice();
      });
    }
    function row(o) {
      const own = o.author === me;
      const li = el('li', { id: 'obs-' + o.id, class: 'obs ' + o.kind + (own ? ' own' : ''), 'data-id': o.id },
        el('span', { class: 'dot ' + o.kind }),
        el('span', { class: 'num', text: '#' + o.id }), ' ',
        el('strong', { class: 'cat', text: o.category }), ' ',
        o.level === 'group' ? el('span', { class: 'muted', text: '(' + t('obs.group', o.size) + ') ' }) : null,
        el('span', { class: 'text', text: o.text }),
        el('span', { class: 'meta muted', text: ' — ' + t('w.by', o.author) + ', ' + SV.fmtTime(o.updated || o.time) }));
      if (own) {
        li.append(el('span', { class: 'actions' },
          el('button', { type: 'button', class: 'edit', text: t('obs.edit') }),
          el('button', { type: 'button', class: 'withdraw', text: t('obs.withdraw') })));
      }
      return li;
    }
    list.addEventListener('click', async (e) => {
      const li = e.target.closest('li[data-id]');
      if (!li) return;
      const o = observations.find((x) => String(x.id) === li.dataset.id);
      if (!o) return;
      if (e.target.classList.contains('edit')) { openEdit(o); return; }
      if (e.target.classList.contains('withdraw')) {
        const wd = e.target;
        if (!wd.classList.contains('confirm')) { wd.classList.add('confirm'); wd.textContent = t('obs.withdraw.confirm'); return; }
        try {
          const r = await SV.post('/api/observation/withdraw', { id: o.id });
          SV.status(done, t('obs.withdrawn', o.id, r.audit));
          await loadObservations();
        } catch (p) { SV.showProblem(problem, p); }
        return;
      }
      const m = markers[o.id];
      if (m) { map.panTo(m.getLatLng()); m.openTooltip(); }
    });
    async function loadObservations() {
      try {
        const r = await SV.get('/api/observations', { area: name });
        observations = r.result.observations || [];
        problem.hidden = true;
        markers = SV.drawObservations(map, layer, observations, (o) => {
          const li = document.getElementById('obs-' + o.id);
          if (li) { li.scrollIntoView({ block: 'nearest' }); li.classList.add('picked'); setTimeout(() => li.classList.remove('picked'), 1500); }
          if (o.author === me) openEdit(o);
        });
        /* after the next frame: the markers are on the screen */
        requestAnimationFrame(() => setTimeout(() => {
          if (!performance.getEntriesByName('sv-map-drawn').length) performance.mark('sv-map-drawn');
          SV.numberMarkers(layer, observations);
        }, 0));
        const listed = renderList();
        if (r.result.truncated) unplaced.textContent += ' ' + t('obs.truncated');
        await SV.drawAreaExtras(map, extras, name, observations);
        await listed;
        refreshStatus();
      } catch (p) { SV.showProblem(problem, p); }
    }

    /* interventions */
    const ivList = el('ol', { id: 'iv-list', class: 'iv-list' });
    const ivLevel = el('select', { name: 'level' },
      el('option', { value: 'area', text: t('obs.level.area') }), el('option', { value: 'group', text: t('obs.level.group') }));
    const ivSizeRow = SV.field(t('obs.size'), el('input', { name: 'size', type: 'number', min: 1, step: 1 }));
    ivSizeRow.hidden = true;
    ivLevel.addEventListener('change', () => { ivSizeRow.hidden = ivLevel.value !== 'group'; });
    const ivForm = el('form', { id: 'iv-form', class: 'panel' },
      el('h3', { text: t('iv.add') }),
      SV.field(t('iv.level'), ivLevel),
      ivSizeRow,
      SV.field(t('iv.step'), el('select', { name: 'step' }, ...['establish', 'map', 'analyse', 'act']
        .map((s) => el('option', { value: s, text: t('step.' + s), selected: s === 'act' })))),
      SV.field(t('iv.text'), el('textarea', { name: 'text', rows: 2 })),
      el('p', { class: 'form-error', 'data-err': '', hidden: true, role: 'alert' }),
      el('button', { type: 'submit', text: t('w.add') }));
    ivForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      SV.clearProblems(ivForm);
      const f = ivForm.elements;
      try {
        const fields = { area: name, level: f.level.value, step: f.step.value, text: f.text.value };
        if (!ivSizeRow.hidden) fields.size = f.size.value;
        const r = await SV.post('/api/intervention/add', fields);
        ivForm.reset();
        ivSizeRow.hidden = true;
        SV.status(done, t('iv.added', r.result.id, r.audit));
        await loadInterventions();
      } catch (p) { SV.formProblem(ivForm, p); }
    });
    main.append(el('section', { class: 'interventions' }, el('h2', { text: t('iv.title') }), ivList, ivForm));
    const meetings = SV.meetingsSection(name, done, async () => { await loadInterventions(); refreshStatus(); });
    main.append(meetings);

    async function loadInterventions() {
      try {
        const r = await SV.get('/api/interventions', { area: name });
        const ivs = r.result.interventions || [];
        ivList.replaceChildren(...(ivs.length ? ivs.map(ivRow) : [el('li', { class: 'muted', text: t('iv.none') })]));
      } catch (p) { SV.showProblem(problem, p); }
    }
    function ivRow(iv) {
      const sel = el('select', { id: 'iv-status-' + iv.id, 'aria-label': t('iv.status') },
        ...['planned', 'running', 'done', 'evaluated'].map((s) => el('option', { value: s, text: t('status.' + s), selected: s === iv.status })));
      sel.addEventListener('change', async () => {
        try {
          const r = await SV.post('/api/intervention/update', { id: iv.id, status: sel.value });
          SV.status(done, t('iv.changed', iv.id, t('status.' + sel.value), r.audit));
          iv.status = sel.value;
          refreshStatus();
        } catch (p) { SV.showProblem(problem, p); sel.value = iv.status; }
      });
      return el('li', { id: 'iv-' + iv.id, class: 'iv ' + iv.status + (iv.overdue ? ' overdue' : '') },
        el('span', { class: 'num', text: 'I' + iv.id }), ' ',
        el('span', { class: 'step', text: t('step.' + iv.step) }), ' ',
        el('span', { class: 'text', text: iv.text }), ' ', sel,
        iv.overdue ? el('span', { class: 'warn overdue-mark', text: ' ' + t('iv.overdue') }) : null,
        el('span', { class: 'meta muted', text: ' — ' + t('iv.owner', iv.owner || '–') +
          (iv.due ? ', ' + t('iv.due', SV.fmtDay(iv.due)) : '') + (iv.meeting ? ', ' + t('iv.from_meeting', (iv.track === 'core' ? 'K' : '#') + iv.meeting) : '') }),
        iv.outcome ? el('span', { class: 'meta', text: ' — ' + iv.outcome }) : null);
    }

    await Promise.all([loadObservations(), loadInterventions(),
      meetings.load().catch((p) => SV.showProblem(problem, p))]);
    performance.mark('sv-page-done');
  };
})();
