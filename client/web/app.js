/* app.js -- samvirke web's page scripts, common part: words, elements, requests, errors.
 * Every script comes from samvirke web itself (CSP default-src 'self'); data is only ever put
 * into the page as text (textContent), never as markup. */
'use strict';

const SV = (window.SV = { views: {}, session: null });

/* The word for key in the page's language, with {0}, {1} ... filled in. */
SV.t = function (key, ...args) {
  let s = (window.SV_T && Object.prototype.hasOwnProperty.call(window.SV_T, key))
    ? window.SV_T[key] : key;
  args.forEach((a, i) => { s = s.split('{' + i + '}').join(String(a)); });
  return s;
};

/* An element: attrs may hold class, text, on<event> handlers and plain attributes; children
 * are elements or strings (added as text). */
SV.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
};

/* A problem reported by samvirke web or the daemon: {code, message, field}. */
SV.Problem = class extends Error {
  constructor(e) {
    super(e.message || e.code);
    this.code = e.code || 'generic';
    this.detail = e.message || '';
    this.field = e.field || null;
  }
};

async function request(path, init) {
  let resp;
  try {
    /* the login's key, which only this origin can read (login.js): the cookie alone reads nothing */
    init.headers = Object.assign({ 'X-SV-Key': localStorage.getItem('sv-key:' + location.port) || '' },
      init.headers);
    resp = await fetch(path, Object.assign({ credentials: 'same-origin', cache: 'no-store' }, init));
  } catch (e) {
    throw new SV.Problem({ code: 'network' });
  }
  let body = null;
  try { body = await resp.json(); } catch (e) { body = null; }
  if (!body) throw new SV.Problem({ code: 'generic', message: 'HTTP ' + resp.status });
  if (!body.ok) throw new SV.Problem(body.error || { code: 'generic' });
  return body;
}

/* GET a JSON answer; params become the query. Throws SV.Problem. */
SV.get = function (path, params) {
  const q = params ? '?' + new URLSearchParams(params).toString() : '';
  return request(path + q, { method: 'GET', headers: { Accept: 'application/json' } });
};

/* POST a change as a form with the page's CSRF token. Fields with undefined/null/'' values are
 * left out; an array value sends the field once per element. Throws SV.Problem. */
SV.post = function (path, fields) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields || {})) {
    if (Array.isArray(v)) v.forEach((x) => body.append(k, x));
    else if (v !== undefined && v !== null && v !== '') body.append(k, String(v));
  }
  return request(path, {
    method: 'POST',
    headers: { 'X-CSRF-Token': SV.session ? SV.session.csrf : '', Accept: 'application/json' },
    body,
  });
};

/* A problem in words: the translation of its code (more precise for its field when there is
 * one), then what the server said. */
SV.problemText = function (p) {
  const byField = p.field ? SV.t('err.' + p.code + '.' + p.field) : null;
  const general = SV.t('err.' + p.code);
  let text = byField && byField !== 'err.' + p.code + '.' + p.field ? byField
    : (general !== 'err.' + p.code ? general : SV.t('err.generic'));
  return { text, detail: p.detail ? SV.t('err.server_said', p.detail) : '' };
};

/* Put a problem into a container element (replacing what is there). */
SV.showProblem = function (box, p) {
  if (!(p instanceof SV.Problem)) p = new SV.Problem({ code: 'generic', message: String(p) });
  const { text, detail } = SV.problemText(p);
  box.replaceChildren(SV.el('strong', { text }), detail ? SV.el('span', { class: 'detail', text: ' ' + detail }) : '');
  box.hidden = false;
  box.classList.add('problem');
};

/* Show a problem beside the form field it is about (an element with data-err=FIELD inside
 * form), else in the form's general box (data-err=""). Clears earlier ones first. */
SV.formProblem = function (form, p) {
  SV.clearProblems(form);
  let box = p && p.field ? form.querySelector('[data-err="' + p.field + '"]') : null;
  if (!box) box = form.querySelector('[data-err=""]');
  SV.showProblem(box, p);
  const input = p && p.field ? form.querySelector('[name="' + p.field + '"]') : null;
  if (input) input.setAttribute('aria-invalid', 'true');
};

SV.clearProblems = function (form) {
  form.querySelectorAll('[data-err]').forEach((b) => { b.replaceChildren(); b.hidden = true; });
  form.querySelectorAll('[aria-invalid]').forEach((i) => i.removeAttribute('aria-invalid'));
};

/* Replace box's children with kids, leaving out null, undefined and false (the DOM's own
 * replaceChildren would show them as the text "null"). */
SV.fill = function (box, ...kids) {
  box.replaceChildren(...kids.flat().filter((c) => c !== null && c !== undefined && c !== false));
};

/* A labelled form row: label text, the input, and the box for its problems. */
SV.field = function (label, input, hint) {
  const name = input.getAttribute('name');
  return SV.el('div', { class: 'row' },
    SV.el('label', {}, SV.el('span', { class: 'label', text: label }), input),
    hint ? SV.el('small', { class: 'hint', text: hint }) : null,
    SV.el('p', { class: 'field-error', 'data-err': name, hidden: true, role: 'alert' }));
};

/* A short message that something was done. */
SV.status = function (box, text) {
  box.replaceChildren(text);
  box.hidden = false;
  box.classList.remove('problem');
};

let timeFormat = null;
/* Unix seconds as a short local date and time (one formatter for the page: lists are long). */
SV.fmtTime = function (unix) {
  if (!unix) return '';
  if (!timeFormat) timeFormat = new Intl.DateTimeFormat(SV.locale(), { dateStyle: 'short', timeStyle: 'short' });
  return timeFormat.format(new Date(unix * 1000));
};

let dayFormat = null;
/* Unix seconds as a local date. */
SV.fmtDay = function (unix) {
  if (!dayFormat) dayFormat = new Intl.DateTimeFormat(SV.locale(), { dateStyle: 'medium' });
  return dayFormat.format(new Date(unix * 1000));
};

SV.locale = () => (SV.session && SV.session.lang === 'en' ? 'en-GB' : 'da-DK');
SV.num = (n) => Number(n).toLocaleString(SV.locale());

SV.query = function (key) { return new URLSearchParams(location.search).get(key); };

/* The page header: navigation for what this member's role offers, who they are, language. */
SV.header = function () {
  const s = SV.session, caps = s.caps, top = document.getElementById('top');
  const link = (href, key, id) => SV.el('a', { href, id, text: SV.t(key) });
  const other = SV.t('app.lang.other.code');
  const q = new URLSearchParams(location.search);
  q.set('lang', other);
  top.replaceChildren(
    SV.el('a', { class: 'brand', href: '/', text: SV.t('app.title') }),
    SV.el('nav', {},
      caps.area ? link('/', 'nav.areas', 'nav-areas') : null,
      caps.area ? link('/concerns', 'nav.concerns', 'nav-concerns') : null,
      caps.core ? link('/notes', 'nav.notes', 'nav-notes') : null,
      link('/audit', 'nav.audit', 'nav-audit')),
    SV.el('span', { class: 'who', id: 'who', text: SV.t('app.you', s.member.name, SV.t('role.' + s.member.role)) }),
    SV.el('a', { class: 'lang', id: 'lang-switch', href: '?' + q.toString(), text: SV.t('app.lang.other') }));
};
