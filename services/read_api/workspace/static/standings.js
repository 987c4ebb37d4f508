// Keeps the standings current while the page is open: every few seconds, ask the JSON standings route whether they
// changed since the blocks shown were rendered (If-None-Match with their ETag: 304 when not), and only then fetch
// this page's blocks again and swap them in. The session cookie authenticates both requests.
(function () {
  var root = document.getElementById("standings-blocks");
  var status = document.getElementById("standings-status");
  if (!root || !window.fetch) return;
  var EVERY = 5000;
  var busy = false, stopped = false;

  function etag() {
    var state = root.querySelector("[data-etag]");
    return state ? state.getAttribute("data-etag") : "";
  }

  function swap(html) {
    var active = document.activeElement;
    var href = active && root.contains(active) ? active.getAttribute("href") : null;
    root.innerHTML = html;
    if (href) {
      var again = root.querySelector('a[href="' + href.replace(/["\\]/g, "\\$&") + '"]');
      if (again) again.focus();
    }
    status.textContent = "Đã cập nhật lúc " + new Date().toLocaleTimeString("vi-VN") + ".";
  }

  function poll() {
    if (busy || stopped || document.hidden) return;
    busy = true;
    var init = { credentials: "same-origin", cache: "no-store" };
    fetch(root.getAttribute("data-json"), Object.assign({ headers: { "If-None-Match": etag() } }, init))
      .then(function (r) {
        if (r.status === 401 || r.status === 403) {
          stopped = true;
          status.textContent = "Không còn quyền xem bảng xếp hạng (phiên đăng nhập hết hạn?): tải lại trang.";
          return null;
        }
        if (r.status !== 200) return null;
        return fetch(root.getAttribute("data-fragment"), init).then(function (f) {
          return f.ok ? f.text().then(swap) : null;
        });
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { busy = false; });
  }

  setInterval(poll, EVERY);
  document.addEventListener("visibilitychange", poll);
})();
