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
})();
