/* login.js -- the login page's script: keeps this login's API key where only this origin
 * (scheme, host and port) can read it, then moves on to the app. The key is never a cookie: a
 * browser sends the cookies of 127.0.0.1 to every port of it, another user's server included. */
'use strict';
(function () {
  const m = document.querySelector('meta[name="sv-key"]');
  if (m) localStorage.setItem('sv-key:' + location.port, m.content);
  location.replace('/');
})();
