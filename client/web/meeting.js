/* meeting.js -- samvirke web: the meeting view for a projector. The area's map, the agenda of
 * its area-track meeting and the open interventions, in large type, refreshed every half
 * minute. Only area-level work is shown here: the wall is seen by everyone in the room. */
'use strict';

(function () {
  const el = SV.el, t = SV.t;
  const REFRESH_MS = 30000;

  SV.views.meeting = async function (main) {
    const name = SV.query('area');
    if (!name) { main.append(el('p', { text: t('meeting.noarea') })); return; }
    document.body.classList.add('projector');
    const notice = el('p', { id: 'map-notice', class: 'notice', hidden: true });
    const problem = el('div', { id: 'meeting-problem', hidden: true });
    const mapBox = el('div', { id: 'map', class: 'map', role: 'region', 'aria-label': t('area.map.label', name) });
    const agenda = el('section', { id: 'meeting-agenda' });
    const ivs = el('ol', { id: 'meeting-interventions', class: 'iv-list big' });
    const stamp = el('p', { id: 'meeting-updated', class: 'muted small' });
    main.append(el('h1', { id: 'meeting-title', text: t('meeting.title', name) }), notice, problem,
      el('div', { class: 'meeting' }, mapBox,
        el('div', {}, agenda, el('h2', { text: t('meeting.open') }), ivs, stamp)));
    const map = SV.makeMap(mapBox, notice);
    const layer = L.layerGroup().addTo(map);
    const extra = L.layerGroup().addTo(map);
    let fitted = false;

    async function refresh() {
      try {
        const [o, iv] = await Promise.all([SV.get('/api/observations', { area: name }),
          SV.get('/api/interventions', { area: name })]);
        const center = map.getCenter(), zoom = map.getZoom();
        SV.drawObservations(map, layer, o.result.observations || [], null);
        SV.numberMarkers(layer, o.result.observations || []);
        if (fitted) map.setView(center, zoom); /* keep where the room has moved the map */
        fitted = true;
        if (SV.drawAreaExtras) await SV.drawAreaExtras(map, extra, name, o.result.observations || []);
        const open = (iv.result.interventions || []).filter((x) => x.status === 'planned' || x.status === 'running');
        ivs.replaceChildren(...(open.length ? open.map((x) => el('li', { id: 'miv-' + x.id, class: 'iv ' + x.status },
          el('span', { class: 'num', text: 'I' + x.id }), ' ',
          el('strong', { text: x.text }), ' ',
          el('span', { class: 'muted', text: '(' + t('step.' + x.step) + ', ' + t('status.' + x.status) +
            (x.owner ? ', ' + t('iv.owner', x.owner) : '') + (x.due ? ', ' + t('iv.due', SV.fmtDay(x.due)) : '') + ')' }),
          x.overdue ? el('span', { class: 'warn', text: ' ' + t('iv.overdue') }) : null))
          : [el('li', { class: 'muted', text: t('iv.none') })]));
        if (SV.drawAgenda) await SV.drawAgenda(agenda, name);
        else agenda.replaceChildren();
        stamp.textContent = t('meeting.updated', SV.fmtTime(Date.now() / 1000));
        problem.hidden = true;
      } catch (p) { SV.showProblem(problem, p); }
    }
    await refresh();
    performance.mark('sv-page-done');
    setInterval(refresh, REFRESH_MS);
  };
})();
