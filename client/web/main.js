/* main.js -- samvirke web's page scripts, last part: ask who we are, draw the header and the
 * page's view (body data-view). */
'use strict';

document.addEventListener('DOMContentLoaded', async () => {
  const main = document.getElementById('main');
  const view = document.body.dataset.view;
  try {
    SV.session = await SV.get('/api/session');
  } catch (p) {
    const box = SV.el('div', { id: 'fatal' });
    main.replaceChildren(box);
    SV.showProblem(box, p);
    return;
  }
  document.documentElement.lang = SV.session.lang;
  SV.header();
  const draw = SV.views[view];
  main.replaceChildren();
  try {
    await draw(main);
  } catch (p) {
    const box = SV.el('div', { id: 'fatal' });
    main.append(box);
    SV.showProblem(box, p);
  }
});
