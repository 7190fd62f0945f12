// The import page: say at once that a chosen file is over the size limit, before
// the browser spends time uploading what the server would refuse anyway.
(function () {
  "use strict";
  var input = document.getElementById("archive");
  if (!input) { return; }
  var most = Number(input.getAttribute("data-max-bytes"));
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    var tooBig = file && most && file.size > most;
    input.setCustomValidity(tooBig
      ? "This file is larger than the " + Math.round(most / 1048576) + " MB an import may be."
      : "");
    if (tooBig) { input.reportValidity(); }
  });
})();
