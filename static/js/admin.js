// mpauth admin: the little the pages need. Everything works without it.
"use strict";
document.addEventListener("submit", function (e) {
  var form = e.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    e.preventDefault();
  }
});
// The "full numbers" export needs a reason: require it only when asked for.
document.addEventListener("change", function (e) {
  var box = e.target;
  if (box.name !== "unmasked") return;
  var reason = box.form && box.form.querySelector("input[name=reason]");
  if (reason) reason.required = box.checked;
});
