// Pan and zoom for the lineage pictures: a progressive enhancement. Without
// this script a picture is scaled to the page (its viewBox) and every node is
// still a link. With it: the mouse wheel zooms at the pointer, dragging pans,
// and the buttons above the picture zoom in, out, and back.
(function () {
  'use strict';
  for (const box of document.querySelectorAll('.svg')) {
    const svg = box.querySelector('svg');
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal || svg.viewBox.baseVal.width === 0) {
      continue;
    }
    const b = svg.viewBox.baseVal;
    const home = { x: b.x, y: b.y, w: b.width, h: b.height };
    let view = Object.assign({}, home);
    const apply = function () {
      svg.setAttribute('viewBox', [view.x, view.y, view.w, view.h].join(' '));
    };
    // Zoom by `factor` (below 1 zooms in) around (cx, cy), in picture units.
    const zoom = function (factor, cx, cy) {
      const w = view.w * factor;
      if (w > home.w * 4 || w < home.w / 50) {
        return;
      }
      view = { x: cx - (cx - view.x) * factor, y: cy - (cy - view.y) * factor, w: w,
               h: view.h * factor };
      apply();
    };
    const centre = function () { return [view.x + view.w / 2, view.y + view.h / 2]; };
    const scale = function () {
      const r = svg.getBoundingClientRect();
      return [view.w / r.width, view.h / r.height, r];
    };
    svg.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      const [sx, sy, r] = scale();
      zoom(ev.deltaY < 0 ? 0.8 : 1.25, view.x + (ev.clientX - r.left) * sx,
           view.y + (ev.clientY - r.top) * sy);
    }, { passive: false });
    let drag = null;
    let dragged = false;
    svg.addEventListener('pointerdown', function (ev) {
      if (ev.button === 0) {
        drag = { x: ev.clientX, y: ev.clientY, from: Object.assign({}, view) };
        dragged = false;
      }
    });
    svg.addEventListener('pointermove', function (ev) {
      if (!drag) {
        return;
      }
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) {
        return;
      }
      if (!dragged) {
        dragged = true;
        svg.setPointerCapture(ev.pointerId);
        svg.style.cursor = 'grabbing';
      }
      const [sx, sy] = scale();
      view.x = drag.from.x - dx * sx;
      view.y = drag.from.y - dy * sy;
      apply();
    });
    const end = function () {
      drag = null;
      svg.style.cursor = '';
    };
    svg.addEventListener('pointerup', end);
    svg.addEventListener('pointercancel', end);
    // The click that ends a drag does not follow a node's link.
    svg.addEventListener('click', function (ev) {
      if (dragged) {
        ev.preventDefault();
        dragged = false;
      }
    }, true);
    const bar = document.createElement('div');
    bar.className = 'zoom';
    const controls = [
      ['Zoom in', '+', function () { const c = centre(); zoom(0.8, c[0], c[1]); }],
      ['Zoom out', '\u2212', function () { const c = centre(); zoom(1.25, c[0], c[1]); }],
      ['Reset the view', 'Reset', function () { view = Object.assign({}, home); apply(); }],
    ];
    for (const [label, text, act] of controls) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = text;
      button.setAttribute('aria-label', label);
      button.addEventListener('click', act);
      bar.appendChild(button);
    }
    const hint = document.createElement('span');
    hint.className = 'muted';
    hint.textContent = ' Scroll to zoom, drag to pan.';
    bar.appendChild(hint);
    box.parentNode.insertBefore(bar, box);
  }
})();
