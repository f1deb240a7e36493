// Starts allauth's page scripts (security keys, recovery codes) with the arguments the page gives in data
// attributes: `<div hidden data-allauth-init="allauth.webauthn.forms.addForm" data-allauth-args='{"ids": ...}'>`.
// allauth's own starter reads them from <script type="application/json"> blocks; our templates keep every
// <script> a static file (the CSP, tests/alliance/test_security.py), so this one reads attributes instead.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-allauth-init]').forEach(function (element) {
      var name = element.getAttribute('data-allauth-init');
      if (name.indexOf('allauth.') !== 0) {
        return;
      }
      var func = name.split('.').reduce(function (scope, part) { return scope && scope[part]; }, window);
      if (typeof func === 'function') {
        func(JSON.parse(element.getAttribute('data-allauth-args')));
      }
    });
  });
})();
