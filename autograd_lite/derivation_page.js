/* explain's page (autograd_lite/derivation_page.py): plays the steps of one derivation.
 * ROOT_ID is the player's element id and SETTINGS its settings, both filled in by Python.
 * The steps (JSON beside this script): each has its line `text`, the `node` and `operands` to
 * outline, `set`: [place, field, text] for each box field it changes, and what the quiz asks
 * (`question`, `answer`, `shown`; answer null: nothing to ask). Step k shows the initial texts
 * with the changes of steps 0 ... k applied.
 */
(function () {
  'use strict';
  var settings = SETTINGS;
  var root = document.getElementById(ROOT_ID);
  var data = JSON.parse(root.querySelector('.agl-data').textContent);
  var steps = data.steps, last = steps.length - 1;
  function find(name) { return root.querySelector(name); }
  var view = find('.agl-view'), svg = view.querySelector('svg'), list = find('.agl-lines');
  var items = list.querySelectorAll('li');
  var slider = find('.agl-slider'), line = find('.agl-line'), count = find('.agl-count');
  var play = find('.agl-play'), quizButton = find('.agl-quiz');
  var presentButton = find('.agl-present'), quizBox = find('.agl-quizbox');
  var answerInput = find('.agl-answer'), verdict = find('.agl-verdict');
  var scoreText = find('.agl-score'), zoomText = find('.agl-zoom');

  // The boxes, the ops and the edges, by their Graphviz names (v7 is order[7]).
  var boxes = {}, ops = {}, edges = {};
  svg.querySelectorAll('g.node').forEach(function (g) {
    var name = g.querySelector('title').textContent;
    var texts = g.querySelectorAll('text');
    if (/^v[0-9]+$/.test(name)) {
      var n = texts.length;
      boxes[name.slice(1)] = {g: g, data: texts[n - 2], grad: texts[n - 1]};
    } else if (/_op$/.test(name)) { ops[name.slice(1, -3)] = g; }
  });
  svg.querySelectorAll('g.edge').forEach(function (g) {
    edges[g.querySelector('title').textContent] = g;
  });

  // ---- The view of the graph: a centre (x, y) in the SVG's units and a scale s in CSS
  // pixels per unit, written into the SVG's viewBox (a vector zoom, sharp at any size).
  var whole = svg.viewBox.baseVal;
  var full = {x: whole.x, y: whole.y, w: whole.width || 1, h: whole.height || 1};
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  var sample = svg.querySelector('g.node text');
  var fontUnits = (sample && parseFloat(sample.getAttribute('font-size'))) || 11;
  var NATURAL = 96 / 72;  // Graphviz draws in points: 100 % is a point per 4/3 pixel
  var cam = {x: full.x + full.w / 2, y: full.y + full.h / 2, s: NATURAL};
  var presenting = false, started = false;

  function size() {
    var r = svg.getBoundingClientRect();
    return {w: r.width || 1, h: r.height || 1};
  }
  function fitScale() {
    var v = size();
    return 0.96 * Math.min(v.w / full.w, v.h / full.h);
  }
  function readableScale() {
    return (presenting ? settings.presentationBox : settings.readable) / fontUnits;
  }
  function clampScale(s) {
    var least = 0.5 * Math.min(fitScale(), NATURAL), most = 160 / fontUnits;
    return Math.max(least, Math.min(most, s));
  }
  function apply() {
    var v = size(), w = v.w / cam.s, h = v.h / cam.s;
    svg.setAttribute('viewBox', [cam.x - w / 2, cam.y - h / 2, w, h].join(' '));
    zoomText.textContent = Math.round(100 * cam.s / NATURAL) + '%';
  }
  // Zoom by `factor`, keeping still the point (px, py) of the view (its centre by default).
  function zoomAt(factor, px, py) {
    var v = size();
    if (px === undefined) { px = v.w / 2; py = v.h / 2; }
    var ux = cam.x + (px - v.w / 2) / cam.s, uy = cam.y + (py - v.h / 2) / cam.s;
    cam.s = clampScale(cam.s * factor);
    cam.x = ux - (px - v.w / 2) / cam.s;
    cam.y = uy - (py - v.h / 2) / cam.s;
    apply();
  }
  function fit() {
    cam.s = fitScale();
    cam.x = full.x + full.w / 2;
    cam.y = full.y + full.h / 2;
    apply();
  }
  // The view's height: a whole page's graph and lines reach down to the window's bottom edge
  // (in a notebook, the style sheet's height), less when the graph at scale s needs less; in
  // presentation the window decides.
  var opening = NATURAL;
  function fill(s) {
    view.style.height = list.style.height = '';
    if (presenting) { return; }
    var height = view.clientHeight;
    if (settings.wholePage) {
      var top = view.getBoundingClientRect().top + window.scrollY;
      height = Math.max(240, window.innerHeight - top - 28);
    }
    height = Math.min(height, Math.max(160, full.h * s + 24));
    view.style.height = list.style.height = height + 'px';
  }
  // The opening view: the whole graph if its boxes are readable so, else readable at the step.
  function startView() {
    view.style.height = list.style.height = '';
    var readable = readableScale(), s;
    if (presenting) {
      s = Math.max(readable, Math.min(fitScale(), 3 * NATURAL));
    } else {
      s = Math.max(readable, Math.min(size().w / full.w * 0.96, 2 * NATURAL));
      fill(s);
    }
    opening = cam.s = s;
    cam.x = full.x + full.w / 2;
    cam.y = full.y + full.h / 2;
    apply();
    follow(steps[now]);
  }

  // Where an element of the graph is, in the SVG's units; null while it is not rendered.
  var rects = {};
  function rectOf(key, g) {
    if (rects[key]) { return rects[key]; }
    var screen = svg.getScreenCTM(), own = g.getScreenCTM();
    if (!screen || !own) { return null; }
    var m = screen.inverse().multiply(own), b = g.getBBox(), xs = [], ys = [];
    [[b.x, b.y], [b.x + b.width, b.y + b.height]].forEach(function (c) {
      var p = svg.createSVGPoint();
      p.x = c[0];
      p.y = c[1];
      p = p.matrixTransform(m);
      xs.push(p.x);
      ys.push(p.y);
    });
    rects[key] = {x0: Math.min(xs[0], xs[1]), y0: Math.min(ys[0], ys[1]),
      x1: Math.max(xs[0], xs[1]), y1: Math.max(ys[0], ys[1])};
    return rects[key];
  }
  function union(parts) {
    var r = null;
    parts.forEach(function (p) {
      if (!p) { return; }
      r = r ? {x0: Math.min(r.x0, p.x0), y0: Math.min(r.y0, p.y0),
        x1: Math.max(r.x1, p.x1), y1: Math.max(r.y1, p.y1)} : p;
    });
    return r;
  }
  // Keep the step in view: when the node computed (with its op) and the boxes it reads or adds
  // to would leave the view, centre the view on them, zooming out for them if need be (never
  // below a readable size); when they cannot fit, on the box whose number the step changes.
  function follow(step) {
    if (!step || step.node === null || !started) { return; }
    var node = String(step.node), box = boxes[node];
    var main = union([box && rectOf('v' + node, box.g), ops[node] && rectOf('o' + node, ops[node])]);
    if (!main) { return; }
    var others = step.operands.map(function (u) {
      return boxes[u] ? rectOf('v' + u, boxes[u].g) : null;
    });
    var all = union([main].concat(others)), v = size(), margin = 16;
    function room(s) { return {w: v.w / s - 2 * margin / s, h: v.h / s - 2 * margin / s}; }
    function inside(r) {
      var w = room(cam.s);
      return r.x0 >= cam.x - w.w / 2 && r.x1 <= cam.x + w.w / 2 &&
        r.y0 >= cam.y - w.h / 2 && r.y1 <= cam.y + w.h / 2;
    }
    if (inside(all)) { return; }
    var needed = Math.min((v.w - 2 * margin) / (all.x1 - all.x0), (v.h - 2 * margin) / (all.y1 - all.y0));
    var target = all;
    if (needed < cam.s) {
      if (needed >= readableScale()) { cam.s = needed; }
      else { target = step.phase === 'backward' && others[0] ? others[0] : main; }
    }
    if (target !== all && inside(target)) { apply(); return; }
    cam.x = (target.x0 + target.x1) / 2;
    cam.y = (target.y0 + target.y1) / 2;
    apply();
  }

  // ---- Stepping, and the quiz.
  var now = 0, timer = null;
  var quiz = false, open = 0, right = 0, answered = 0;
  var shownText = {};
  function asking() { return quiz && now === open && steps[now].answer !== null; }
  // Write the box texts the changes leave, touching only those that differ from what is shown.
  function paint(texts) {
    Object.keys(texts).forEach(function (key) {
      var c = texts[key], box = boxes[c[0]];
      if (box && shownText[key] !== c[2]) {
        box[c[1]].textContent = c[1] + ' ' + c[2];
        shownText[key] = c[2];
      }
    });
  }
  function highlight(step) {
    root.querySelectorAll('.agl-current, .agl-operand, .agl-edge').forEach(function (g) {
      g.classList.remove('agl-current', 'agl-operand', 'agl-edge');
    });
    if (step.node === null) { return; }
    var box = boxes[step.node];
    if (box) { box.g.classList.add('agl-current'); }
    if (ops[step.node]) { ops[step.node].classList.add('agl-current'); }
    step.operands.forEach(function (u) {
      if (boxes[u]) { boxes[u].g.classList.add('agl-operand'); }
      var edge = edges['v' + u + '->v' + step.node + '_op'];
      if (edge) { edge.classList.add('agl-edge'); }
    });
  }
  function showList(pending) {
    items.forEach(function (li, i) {
      var text = (pending && i === now) ? steps[i].question : steps[i].text;
      if (li.textContent !== text) { li.textContent = text; }
      li.classList.toggle('agl-now', i === now);
      li.classList.toggle('agl-hidden', quiz && i >= open && i !== now);
    });
    var item = items[now];
    if (item) {
      list.scrollTop = item.offsetTop - list.clientHeight / 2 + item.offsetHeight / 2;
    }
  }
  function show(k) {
    now = Math.max(0, Math.min(last, k));
    if (quiz && now > open) { open = now; }
    var pending = asking(), texts = {};
    function put(c) { texts[c[0] + ' ' + c[1]] = c; }
    data.initial.forEach(put);
    for (var i = 0; i < now; i++) { steps[i].set.forEach(put); }
    steps[now].set.forEach(function (c) { put(pending ? [c[0], c[1], '?'] : c); });
    paint(texts);
    highlight(steps[now]);
    line.textContent = pending ? steps[now].question : steps[now].text;
    line.classList.toggle('agl-asking', pending);
    count.textContent = 'step ' + (now + 1) + ' of ' + (last + 1) + ' (' + steps[now].phase + ')';
    slider.value = now;
    showList(pending);
    if (quiz && !pending && now === open) { open = now + 1; }
    if (quiz) { quizState(pending); }
    writeHash();
    follow(steps[now]);
    if (now === last) { stop(); }
  }
  function quizState(pending) {
    answerInput.disabled = !pending;
    find('.agl-check').disabled = !pending;
    find('.agl-reveal').disabled = !pending;
    scoreText.textContent = 'score: ' + right + ' right of ' + answered + ' answered';
    if (pending) {
      verdict.textContent = verdict.dataset.step === String(now) ? verdict.textContent : '';
      answerInput.placeholder = steps[now].phase === 'forward' ? 'the value' : 'the gradient added';
    }
  }
  // A number as typed: 0.5, -2, (−1.5e-3), 1/3, with a comma for the point.
  function parse(text) {
    var t = text.trim().replace(/\s+/g, '').replace(/[\u2212\u2013]/g, '-').replace(',', '.');
    t = t.replace(/^\((.*)\)$/, '$1');
    var number = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[-+]?\\d+)?';
    var m = new RegExp('^(' + number + ')(?:/(' + number + '))?$', 'i').exec(t);
    if (!m) { return NaN; }
    return m[2] === undefined ? Number(m[1]) : Number(m[1]) / Number(m[2]);
  }
  function say(text, kind) {
    verdict.textContent = text;
    verdict.className = 'agl-verdict' + (kind ? ' agl-' + kind : '');
    verdict.dataset.step = String(now);
  }
  function check() {
    if (!asking()) { return; }
    var step = steps[now], given = parse(answerInput.value);
    if (!isFinite(given)) { say('Type a number, such as 0.5, -2 or 1/3.', 'wrong'); return; }
    var ok = Math.abs(given - step.answer) <= settings.atol + settings.rtol * Math.abs(step.answer);
    answered += 1;
    if (ok) { right += 1; }
    say(ok ? 'Right: ' + step.shown + '.' : 'Not quite: you gave ' + answerInput.value.trim() +
      ', the line says ' + step.shown + '.', ok ? 'right' : 'wrong');
    answerInput.value = '';
    open = now + 1;
    show(now);
  }
  function reveal() {
    if (!asking()) { return; }
    say('The line says ' + steps[now].shown + ' (not scored).', '');
    open = now + 1;
    show(now);
  }
  function toggleQuiz() {
    quiz = !quiz;
    quizButton.setAttribute('aria-pressed', String(quiz));
    quizBox.hidden = !quiz;
    right = answered = 0;
    open = now;
    say('', '');
    show(now);
    if (quiz && asking()) { answerInput.focus({preventScroll: true}); }
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = 'Play';
  }
  function move(k) {
    stop();
    show(k);
    if (asking()) { answerInput.focus({preventScroll: true}); }
  }
  function toggle() {
    if (timer !== null) { stop(); return; }
    if (now === last) { show(0); }
    play.textContent = 'Pause';
    timer = setInterval(function () {
      show(now + 1);
      if (asking()) { stop(); answerInput.focus({preventScroll: true}); }
    }, 700);
  }
  function togglePresent() {
    presenting = !presenting;
    root.classList.toggle('agl-presenting', presenting);
    document.documentElement.classList.toggle('agl-presenting-page', presenting);
    presentButton.setAttribute('aria-pressed', String(presenting));
    presentButton.textContent = presenting ? 'Leave presentation' : 'Presentation';
    startView();
    show(now);
  }

  // ---- The address: #step=N (from 1), and &quiz when the quiz is on.
  function readHash() {
    var m = /(?:^#|&)step=(\d+)/.exec(location.hash);
    return {step: m ? parseInt(m[1], 10) - 1 : null, quiz: /(?:^#|&)quiz(?:&|$)/.test(location.hash)};
  }
  function writeHash() {
    if (!settings.wholePage) { return; }
    var hash = '#step=' + (now + 1) + (quiz ? '&quiz' : '');
    if (location.hash === hash) { return; }
    try { history.replaceState(history.state, '', hash); } catch (error) { location.replace(hash); }
  }

  // ---- Wiring.
  find('.agl-previous').addEventListener('click', function () { move(now - 1); });
  find('.agl-next').addEventListener('click', function () { move(now + 1); });
  play.addEventListener('click', toggle);
  slider.addEventListener('input', function () { move(parseInt(slider.value, 10)); });
  find('.agl-zoom-in').addEventListener('click', function () { zoomAt(1.25); });
  find('.agl-zoom-out').addEventListener('click', function () { zoomAt(0.8); });
  find('.agl-fit').addEventListener('click', fit);
  quizButton.addEventListener('click', toggleQuiz);
  presentButton.addEventListener('click', togglePresent);
  find('.agl-check').addEventListener('click', check);
  find('.agl-reveal').addEventListener('click', reveal);
  answerInput.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') { event.preventDefault(); if (asking()) { check(); } else { move(now + 1); } }
  });
  items.forEach(function (li, i) {
    li.addEventListener('click', function () { if (!li.classList.contains('agl-hidden')) { move(i); } });
  });
  var keys = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
  (settings.wholePage ? document : root).addEventListener('keydown', function (event) {
    var key = event.key;
    if (event.target === slider || event.target === answerInput) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (key in keys) { move(now + keys[key]); }
    else if (key === 'Home') { move(0); }
    else if (key === 'End') { move(last); }
    else if (key === '+' || key === '=') { zoomAt(1.25); }
    else if (key === '-' || key === '_') { zoomAt(0.8); }
    else if (key === '0') { fit(); }
    else if (key === 'p' || key === 'P') { togglePresent(); }
    else if (key === 'q' || key === 'Q') { toggleQuiz(); }
    else if (key === 'Escape' && presenting) { togglePresent(); }
    else { return; }
    event.preventDefault();
  });
  // The wheel zooms about the pointer; inside a notebook only once the player has the focus,
  // so that the wheel still scrolls the notebook past it.
  view.addEventListener('wheel', function (event) {
    if (!settings.wholePage && !root.contains(document.activeElement)) { return; }
    event.preventDefault();
    var r = view.getBoundingClientRect();
    var lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    zoomAt(Math.exp(-event.deltaY * lines * 0.0015), event.clientX - r.left, event.clientY - r.top);
  }, {passive: false});
  var drag = null;
  view.addEventListener('pointerdown', function (event) {
    if (event.button !== 0) { return; }
    drag = {x: event.clientX, y: event.clientY, cx: cam.x, cy: cam.y};
    view.setPointerCapture(event.pointerId);
    view.classList.add('agl-dragging');
    root.focus({preventScroll: true});
    event.preventDefault();
  });
  view.addEventListener('pointermove', function (event) {
    if (!drag) { return; }
    cam.x = drag.cx - (event.clientX - drag.x) / cam.s;
    cam.y = drag.cy - (event.clientY - drag.y) / cam.s;
    apply();
  });
  function endDrag() { drag = null; view.classList.remove('agl-dragging'); }
  view.addEventListener('pointerup', endDrag);
  view.addEventListener('pointercancel', endDrag);
  function begin() {
    if (started || view.clientWidth === 0) { return; }
    started = true;
    startView();
    show(now);
  }
  if (window.ResizeObserver) {
    new ResizeObserver(function () { if (started) { apply(); } else { begin(); } }).observe(view);
  }
  window.addEventListener('resize', function () {
    if (started) { fill(opening); apply(); }
  });

  var wanted = settings.wholePage ? readHash() : {step: null, quiz: false};
  if (settings.wholePage) {
    window.addEventListener('hashchange', function () {
      var asked = readHash();
      if (asked.quiz !== quiz) { toggleQuiz(); }
      if (asked.step !== null && asked.step !== now) { move(asked.step); }
    });
  }
  now = Math.max(0, Math.min(last, wanted.step === null ? 0 : wanted.step));
  if (wanted.quiz) { toggleQuiz(); } else { show(now); }
  begin();
})();
