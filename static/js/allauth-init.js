// Starts allauth's page scripts (security keys, recovery codes) with the arguments the page gives in data
// attributes: `<div hidden data-allauth-init="allauth.webauthn.forms.addForm" data-allauth-args='{"ids": ...}'>`.
// allauth's own starter reads them from <script type="application/json"> blocks; our templates keep every
// <script> a static file (the CSP, tests/alliance/test_security.py), so this one reads attributes instead.
//
// When the browser's security-key prompt fails (no key answered, the key is not registered for the account, the
// key is already registered, the browser cannot use keys here), allauth's script sends an `allauth.error` event;
// this script shows the page's own message for it in the `[data-webauthn-error]` box (role="alert", written in
// the page's language by templates/mfa/webauthn/snippets/scripts.html) instead of allauth's console error.
(function () {
  'use strict';

  var MESSAGE_FOR_ERROR = {
    NotAllowedError: 'notAllowed',
    AbortError: 'notAllowed',
    InvalidStateError: 'invalidState',
    SecurityError: 'security',
    NotSupportedError: 'notSupported'
  };

  function showWebauthnError(event) {
    var box = document.querySelector('[data-webauthn-error]');
    var tags = (event.detail && event.detail.tags) || [];
    if (!box || tags.indexOf('webauthn') === -1) {
      return;
    }
    event.preventDefault();
    var name = event.detail.exception && event.detail.exception.name;
    var key = MESSAGE_FOR_ERROR[name] || (window.PublicKeyCredential ? 'other' : 'notSupported');
    var message = box.getAttribute('data-message-' + key.replace(/[A-Z]/g, function (c) {
      return '-' + c.toLowerCase();
    }));
    // Shown empty first and filled a moment later, so screen readers announce it (again, on a second failure).
    box.textContent = '';
    box.hidden = false;
    window.setTimeout(function () { box.textContent = message; }, 100);
  }

  // Enter in the key's name field sends the form before the key was used: run the key prompt instead, as the
  // Add button does (allauth's script sends the form itself once the key answered).
  function addKeyOnEnter(ids) {
    var credential = document.getElementById(ids.credential);
    var button = document.getElementById(ids.add);
    if (!credential || !button || !credential.form) {
      return;
    }
    credential.form.addEventListener('submit', function (event) {
      // Django renders the empty JSON field as "null"; allauth's script fills it in just before it sends the form.
      if (!credential.value || credential.value === 'null') {
        event.preventDefault();
        button.click();
      }
    });
  }

  document.addEventListener('allauth.error', showWebauthnError);
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-allauth-init]').forEach(function (element) {
      var name = element.getAttribute('data-allauth-init');
      if (name.indexOf('allauth.') !== 0) {
        return;
      }
      var func = name.split('.').reduce(function (scope, part) { return scope && scope[part]; }, window);
      if (typeof func === 'function') {
        var args = JSON.parse(element.getAttribute('data-allauth-args'));
        func(args);
        if (name === 'allauth.webauthn.forms.addForm') {
          addKeyOnEnter(args.ids);
        }
      }
    });
  });
})();
