// A sign-in link carries the token in the URL fragment (never sent to the server, never in a log):
// put it in the form, forget it from the address bar, and submit.
(function () {
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  var form = document.querySelector("form.signin");
  form.querySelector("input[name=token]").value = decodeURIComponent(match[1]);
  form.submit();
})();
