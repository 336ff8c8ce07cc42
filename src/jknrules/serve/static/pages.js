// jknrules serve: optional conveniences. Every page works without this script.
(function () {
  "use strict";
  // The receipt's print button: shown only where a script can press it.
  var print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
  // Loket: the document boxes mean nothing when the applicant only asks what to bring.
  var docs = document.getElementById("f-documents");
  var modes = document.querySelectorAll('input[name="documents_mode"]');
  function sync() {
    var ask = document.querySelector('input[name="documents_mode"][value="ask"]');
    if (docs && ask) { docs.disabled = ask.checked; }
  }
  for (var i = 0; i < modes.length; i++) { modes[i].addEventListener("change", sync); }
  sync();
  // Loket: the submission time starts at "now" in the chosen regency's zone; changing the
  // regency before touching the time moves it to "now" in the new regency's zone.
  var regency = document.querySelector('select[name="regency"]');
  var submitted = document.querySelector('input[name="submitted_at"]');
  if (regency && submitted) {
    var shown = regency.options[regency.selectedIndex];
    var untouched = shown && submitted.value === shown.getAttribute("data-now");
    submitted.addEventListener("input", function () { untouched = false; });
    regency.addEventListener("change", function () {
      var now = regency.options[regency.selectedIndex].getAttribute("data-now");
      if (untouched && now) { submitted.value = now; }
    });
  }
})();
