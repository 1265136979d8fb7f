/* Tasteskjema: focus management on top of server-rendered pages and htmx swaps.
   Plain ES2017, no dependencies, no eval; loaded with <script src defer> after htmx. */
(function () {
  'use strict';

  // Same settings as the layout's <meta name="htmx-config">, in case it is missing. htmx merges
  // the meta tag (and inserts its indicator styles) on DOMContentLoaded, after this has run.
  var config = window.htmx && window.htmx.config;
  if (config) {
    config.allowEval = false;
    config.allowScriptTags = false;
    config.includeIndicatorStyles = false;
    config.historyCacheSize = 0;
    config.selfRequestsOnly = true;
    // Show error answers too (the server sends them with HX-Retarget): a check refused because
    // another tab saved the draft, or the draft is gone, must not fail silently.
    config.responseHandling = [
      { code: '204', swap: false },
      { code: '[23]..', swap: true },
      { code: '[45]..', swap: true, error: true }
    ];
  }

  var CONTROLS = 'input:not([type="hidden"]):not([disabled]),select:not([disabled]),' +
    'textarea:not([disabled]),button:not([disabled])';

  function isControl(el) {
    return el.matches('input,select,textarea,button');
  }

  function childLegend(fieldset) {
    for (var i = 0; i < fieldset.children.length; i++) {
      if (fieldset.children[i].tagName === 'LEGEND') return fieldset.children[i];
    }
    return null;
  }

  // What names the control: the group's legend for a fieldset or a radio/checkbox, else its label.
  function nameOf(control, target) {
    var fieldset = target.tagName === 'FIELDSET' ? target
      : /^(radio|checkbox)$/.test(control.type) ? control.closest('fieldset') : null;
    var legend = fieldset && childLegend(fieldset);
    if (legend) return legend;
    if (control.labels && control.labels.length) return control.labels[0];
    return control;
  }

  // Focus the field an error message is about: the element with that id when it is a control,
  // else the first control inside it (the first radio of a group). Scrolls its label into view.
  function focusField(id) {
    var target = document.getElementById(id);
    if (!target) return false;
    var control = isControl(target) ? target : target.querySelector(CONTROLS);
    if (!control) return false;
    nameOf(control, target).scrollIntoView({ block: 'start' });
    control.focus({ preventScroll: true });
    return true;
  }

  // Focus #error-summary if it is inside root (or root itself).
  function focusSummary(root) {
    var summary = document.getElementById('error-summary');
    if (!summary || !root.contains(summary)) return false;
    summary.focus();
    return true;
  }

  // Focus an element by id: a control, else its first control, else the element itself.
  function focusById(id) {
    var el = document.getElementById(id);
    if (!el) return;
    var control = isControl(el) ? el : el.querySelector(CONTROLS);
    if (!control) {
      control = el;
      if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    }
    control.focus();
  }

  document.addEventListener('click', function (event) {
    if (event.defaultPrevented || event.button !== 0 ||
        event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest('#error-summary a[href^="#"]') : null;
    if (!link) return;
    var id;
    try {
      id = decodeURIComponent(link.getAttribute('href').slice(1));
    } catch (e) {
      return;
    }
    if (id && focusField(id)) event.preventDefault();
  });

  // htmx gives focus back after a swap only to an element with an id. When the focused element
  // has none (a details summary, a button, a link) and the swap replaces it, find its counterpart
  // in the new content: same kind, name, value, href and text, nearest the old position.
  var FOCUSABLE = 'a[href],button,input,select,textarea,summary,[tabindex]';
  var lost = null;

  function keyOf(el) {
    return [el.tagName, el.getAttribute('name'), el.getAttribute('value'), el.getAttribute('href'),
      el.textContent.trim()].join('|');
  }

  document.addEventListener('htmx:beforeSwap', function (event) {
    var active = document.activeElement;
    var target = event.detail && event.detail.target;
    lost = null;
    if (!active || active === document.body || active.id || !target || !target.contains(active)) return;
    var all = target.querySelectorAll(FOCUSABLE);
    lost = { index: Array.prototype.indexOf.call(all, active), key: keyOf(active) };
  });

  function refocusLost(root) {
    var was = lost;
    lost = null;
    var active = document.activeElement;
    if (!was || (active && active !== document.body)) return;
    var all = root.querySelectorAll(FOCUSABLE);
    var best = null;
    for (var i = 0; i < all.length; i++) {
      if (keyOf(all[i]) === was.key &&
          (!best || Math.abs(i - was.index) < Math.abs(best.i - was.index))) best = { i: i, el: all[i] };
    }
    var el = best ? best.el : all[was.index];
    if (el) el.focus({ preventScroll: true });
  }

  // A request a field makes as the user leaves it (inline validation) must not move focus.
  var FIELD = 'input:not([type="submit"]):not([type="button"]):not([type="image"]),select,textarea';

  // htmx fires afterSettle on each element the swap put in (the target itself for innerHTML).
  // The server's data-focus="<id>" on the new content wins; else a new #error-summary gets focus.
  document.addEventListener('htmx:afterSettle', function (event) {
    var root = event.target;
    if (!(root instanceof Element) || !root.isConnected) return;
    var holder = root.hasAttribute('data-focus') ? root : root.querySelector('[data-focus]');
    if (holder) {
      var id = holder.getAttribute('data-focus');
      holder.removeAttribute('data-focus'); // used once
      if (id) focusById(id);
      lost = null;
      return;
    }
    var request = event.detail && event.detail.requestConfig;
    var source = request && request.elt; // (detail.elt is the settled element itself)
    var byField = source instanceof Element && source.matches(FIELD);
    if (!byField && focusSummary(root)) {
      lost = null;
      return;
    }
    refocusLost(root);
  });

  // While a request of the page form is on its way: (1) what the user types or picks meanwhile
  // would be replaced by the response's form, and the request htmx queues for it is dropped with
  // the old form; (2) a page submitted meanwhile would carry the old _version, which the server
  // refuses as changed elsewhere. So note the answers as sent, put back what changed since into
  // the new form (and save it), and hold a button press until the form is back and settled.
  var pending = [];      // xhr objects of page-form requests on their way
  var sentValues = null; // answers when the latest request was sent
  var carried = null;    // answers the user changed since, to put back
  var toSave = [];       // fields put back, to post once htmx has set up the new form
  var held = null;       // { name, value } of a button pressed meanwhile
  var holdTimer = null;

  function answers(form) {
    var out = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.id || !el.name || el.type === 'hidden' || !el.matches(FIELD)) continue;
      out[el.id] = /^(radio|checkbox)$/.test(el.type) ? el.checked : el.value;
    }
    return out;
  }

  function change(el) {
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }

  document.addEventListener('htmx:beforeRequest', function (event) {
    var form = document.getElementById('page-form');
    var xhr = event.detail && event.detail.xhr;
    if (!form || !xhr || !form.contains(event.target)) return;
    pending.push(xhr);
    sentValues = answers(form);
    // Rows after a removed one change their ids: nothing can be put back by id then.
    if ((event.target.getAttribute('value') || '').indexOf('remove:') === 0) sentValues = null;
  });

  document.addEventListener('htmx:beforeSwap', function (event) {
    var d = event.detail || {};
    carried = null;
    if (pending.indexOf(d.xhr) < 0 || !d.shouldSwap) return;
    d.xhr.tsSwapped = true;
    if (!sentValues || !d.target || d.target.id !== 'page-form') return;
    var now = answers(d.target);
    for (var id in now) {
      if (Object.prototype.hasOwnProperty.call(sentValues, id) && now[id] !== sentValues[id]) {
        carried = carried || {};
        carried[id] = now[id];
      }
    }
  });

  document.addEventListener('htmx:afterSwap', function (event) {
    var was = carried;
    carried = null;
    if (!was || event.target.id !== 'page-form') return;
    // Unchecked first, so that a radio checked again is not unchecked after.
    Object.keys(was).sort(function (a, b) { return (was[a] === true) - (was[b] === true); })
      .forEach(function (id) {
        var el = document.getElementById(id);
        if (!el || !el.matches(FIELD)) return;
        if (typeof was[id] === 'boolean') el.checked = was[id];
        else el.value = was[id];
        if (el === document.activeElement && !/^(radio|checkbox)$/.test(el.type)) {
          el.setAttribute('data-unsaved', ''); // saved when the user leaves it
        } else if (el.type !== 'radio' || el.checked) {
          toSave.push(el);
        }
      });
  });

  // A request is done when its response is settled (or, without a swap, when it has returned).
  function done(xhr) {
    var i = pending.indexOf(xhr);
    if (i < 0) return;
    pending.splice(i, 1);
    var save = toSave;
    toSave = [];
    save.forEach(function (el) { if (el.isConnected) change(el); });
    if (!pending.length) replay();
  }

  // Presses the held button again, in the form as it is now.
  function replay() {
    var was = held;
    held = null;
    clearTimeout(holdTimer);
    var form = was && document.getElementById('page-form');
    if (!form) return;
    for (var j = 0; j < form.elements.length; j++) {
      var b = form.elements[j];
      if (b.type === 'submit' && b.name === was.name && b.value === was.value) {
        b.click();
        return;
      }
    }
  }

  document.addEventListener('htmx:afterRequest', function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && !xhr.tsSwapped) done(xhr);
  });

  document.addEventListener('htmx:afterSettle', function (event) {
    if (event.detail && event.detail.xhr) done(event.detail.xhr);
  });

  document.addEventListener('change', function (event) {
    if (event.target.removeAttribute) event.target.removeAttribute('data-unsaved');
  }, true);

  // The browser fires no change for a value set by script; the capture listener above has seen
  // any change it did fire, since that comes before focusout.
  document.addEventListener('focusout', function (event) {
    var el = event.target;
    if (!el.hasAttribute || !el.hasAttribute('data-unsaved')) return;
    el.removeAttribute('data-unsaved');
    if (el.value !== el.defaultValue) change(el);
  });

  // A button of the page form pressed while a request is on its way waits for it. Capture, so
  // this runs before htmx's own listener on an add or remove button.
  document.addEventListener('click', function (event) {
    var b = event.target.closest ? event.target.closest('button[type="submit"]') : null;
    if (!b || !pending.length || !b.form || b.form.id !== 'page-form') return;
    event.preventDefault();
    event.stopPropagation();
    held = { name: b.name, value: b.value };
    // Should a finished request never report back, the button must not stay dead.
    clearTimeout(holdTimer);
    holdTimer = setTimeout(function () {
      pending = pending.filter(function (x) { return x.readyState !== 4; });
      if (!pending.length) replay();
    }, 3000);
  }, true);

  // On load: the error summary; else the control a "#id" in the URL names (the server's redirect
  // after adding or removing a row without htmx), which browsers scroll to but do not focus.
  if (!focusSummary(document.body) && location.hash.length > 1) {
    var target = null;
    try {
      target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    } catch (e) { /* malformed hash: leave it */ }
    if (target && isControl(target)) focusField(target.id);
  }
  // The session: a warning five minutes before it ends, with a button that keeps it alive
  // without leaving the page (WCAG 2.2.1). Without JavaScript the bar says when it ends, and the
  // button posts normally.
  var bar = document.getElementById('session-bar');
  var warning = document.getElementById('session-warning');
  var warnTimer = null;
  function schedule() {
    if (!bar || !warning) return;
    clearTimeout(warnTimer);
    var ends = parseInt(bar.getAttribute('data-ends'), 10) * 1000;
    var wait = ends - 5 * 60 * 1000 - Date.now();
    warnTimer = setTimeout(function () {
      // An alert only when it shows, so it is announced then (and not counted while hidden).
      warning.setAttribute('role', 'alert');
      warning.hidden = false;
    }, Math.max(wait, 0));
  }
  var extend = document.getElementById('session-extend');
  if (extend) {
    extend.addEventListener('submit', function (event) {
      event.preventDefault();
      fetch(extend.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'fetch', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(extend)).toString()
      }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (s) {
          bar.setAttribute('data-ends', String(s.ends));
          var until = document.getElementById('session-until');
          if (until) until.textContent = s.text;
          warning.hidden = true;
          warning.removeAttribute('role');
          schedule();
        })
        .catch(function () { extend.submit(); });
    });
  }
  schedule();
  // Attachments: with script, chosen (or dropped) files are sent at once to the field's upload
  // address with a progress bar, and the field's fieldset comes back with the files listed or the
  // refusal named. Without script the same input is part of the page form's multipart post.
  function sendFiles(input, files) {
    if (!files || !files.length) return;
    var fieldset = input.closest('fieldset');
    var progress = document.getElementById(input.id.replace(/-input$/, '-progress'));
    var data = new FormData();
    for (var i = 0; i < files.length; i++) data.append(input.getAttribute('data-name'), files[i]);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', input.getAttribute('data-upload'));
    xhr.setRequestHeader('HX-Request', 'true');
    if (progress) {
      progress.value = 0;
      progress.hidden = false;
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total);
      });
    }
    input.disabled = true;
    function failed() {
      input.disabled = false;
      if (progress) progress.hidden = true;
      var now = document.getElementById(input.id);
      if (now) now.disabled = false;
      var status = document.getElementById('form-status');
      if (status) status.textContent = input.getAttribute('data-failed');
    }
    var fieldsetId = fieldset ? fieldset.id : '';
    xhr.addEventListener('load', function () {
      var to = xhr.getResponseHeader('HX-Redirect');
      if (to) { window.location.href = to; return; }
      var box = document.createElement('div');
      box.innerHTML = xhr.responseText;
      var fresh = box.querySelector('fieldset.attachment');
      // The page may have been re-rendered meanwhile (an answer saved): take the field as it is now.
      var current = document.getElementById(fieldsetId);
      if (!fresh || !current || fresh.id !== fieldsetId) { failed(); return; }
      current.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      setUpUploads(fresh);
      // Say what happened: the refusal, or the list with the new file.
      var error = fresh.querySelector('.ds-validation-message');
      var status = document.getElementById('form-status');
      if (status) status.textContent = error ? error.textContent : '';
      var next = fresh.querySelector('input[type="file"]') || fresh;
      next.focus();
    });
    xhr.addEventListener('error', failed);
    xhr.addEventListener('abort', failed);
    xhr.send(data);
  }

  function setUpUploads(root) {
    var inputs = root.querySelectorAll('input[type="file"][data-upload]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.hasAttribute('data-name')) continue;
      // Sent by script only: out of the page form's own posts.
      input.setAttribute('data-name', input.name);
      input.removeAttribute('name');
      var button = input.parentNode.querySelector('.upload-button');
      if (button) button.hidden = true;
      input.addEventListener('change', function (event) {
        sendFiles(event.target, event.target.files);
      });
      var zone = input.closest('fieldset');
      if (!zone) continue;
      zone.classList.add('drop-zone');
      zone.addEventListener('dragover', function (event) {
        event.preventDefault();
        event.currentTarget.classList.add('drop-zone--over');
      });
      zone.addEventListener('dragleave', function (event) {
        event.currentTarget.classList.remove('drop-zone--over');
      });
      zone.addEventListener('drop', function (event) {
        event.preventDefault();
        var z = event.currentTarget;
        z.classList.remove('drop-zone--over');
        var target = z.querySelector('input[type="file"][data-upload]');
        if (target && !target.disabled) sendFiles(target, event.dataTransfer.files);
      });
    }
  }
  // Copy buttons (an example document): shown only where they can work; the text stays
  // selectable without them.
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    if (!navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener('click', function () {
      var source = document.getElementById(b.getAttribute('data-copy'));
      var status = b.parentElement.querySelector('.copy-status');
      navigator.clipboard.writeText(source ? source.textContent : '').then(function () {
        if (status) status.textContent = b.getAttribute('data-copied') || '';
      });
    });
  });
  // The form author's live preview: when the form files change, show the page again (a GET of
  // the same address, so a page shown after a post is not posted twice).
  var live = document.body.getAttribute('data-live');
  if (live && window.fetch) {
    setInterval(function () {
      fetch('/saksbehandling/skjema/lasting', { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : live; })
        .then(function (now) { if (now.trim() !== live) window.location.replace(window.location.href); })
        .catch(function () {});
    }, 1000);
  }
  // A whole delivery sent as a file: with script, the form is posted by XMLHttpRequest so that a
  // progress bar can show how much of a large file has been sent and when it is being checked.
  // The answer is shown as the post's own answer would be: a receipt is gone to, a refusal
  // replaces the page's main content and its title, with the focus on its summary.
  function sendDelivery(form) {
    var input = form.querySelector('input[type="file"]');
    var box = document.getElementById('file-progress');
    if (!input || !input.files || !input.files.length || !box || !window.FormData) return false;
    var bar = box.querySelector('progress');
    var said = box.querySelector('.upload-status');
    var button = form.querySelector('button[type="submit"]');
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('action'));
    var step = -1;
    function say(text) { if (said) said.textContent = text; }
    box.hidden = false;
    bar.value = 0;
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round(100 * e.loaded / e.total);
      bar.value = pct;
      // Read out at each quarter, not at every step.
      var quarter = Math.floor(pct / 25);
      if (quarter !== step) {
        step = quarter;
        say(box.getAttribute('data-sent').replace('{pct}', String(pct)));
      }
    });
    xhr.upload.addEventListener('load', function () {
      bar.removeAttribute('value');
      say(box.getAttribute('data-checking'));
    });
    function failed() {
      box.hidden = true;
      if (button) button.disabled = false;
      say('');
      var status = document.getElementById('form-status');
      if (status) status.textContent = box.getAttribute('data-failed');
    }
    xhr.addEventListener('load', function () {
      var type = xhr.getResponseHeader('Content-Type') || '';
      if (xhr.status < 400 && xhr.responseURL && xhr.responseURL.split('#')[0] !== window.location.href.split('#')[0]) {
        window.location.assign(xhr.responseURL);
        return;
      }
      if (type.indexOf('text/html') !== 0) { failed(); return; }
      var doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
      var fresh = doc.querySelector('main');
      var main = document.querySelector('main');
      if (!fresh || !main) { failed(); return; }
      main.replaceWith(fresh);
      document.title = doc.title;
      var form = fresh.querySelector('form.file-delivery');
      if (form) setUpDelivery(form);
      var first = fresh.querySelector('#error-summary') || fresh.querySelector('[role="status"]') || fresh.querySelector('h1');
      if (first) {
        if (!first.hasAttribute('tabindex')) first.setAttribute('tabindex', '-1');
        first.focus();
      }
    });
    xhr.addEventListener('error', failed);
    xhr.addEventListener('abort', failed);
    if (button) button.disabled = true;
    xhr.send(new FormData(form));
    return true;
  }
  function setUpDelivery(form) {
    form.addEventListener('submit', function (event) {
      if (sendDelivery(form)) event.preventDefault();
    });
  }
  document.querySelectorAll('form.file-delivery').forEach(setUpDelivery);
  setUpUploads(document);
  // A swap may replace the element it was aimed at (outerHTML): look at the whole page.
  document.addEventListener('htmx:afterSettle', function () {
    setUpUploads(document);
  });
})();
