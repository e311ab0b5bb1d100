window._fdShowSide = function (content, bodyClass) {
  var qa = document.getElementById("qa");
  qa.innerHTML = content;
  var scripts = Array.prototype.slice.call(qa.getElementsByTagName("script"));
  scripts.forEach(function (old) {
    var fresh = document.createElement("script");
    for (var i = 0; i < old.attributes.length; i++) {
      fresh.setAttribute(old.attributes[i].name, old.attributes[i].value);
    }
    fresh.appendChild(document.createTextNode(old.innerHTML));
    old.replaceWith(fresh);
  });
  window.scrollTo(0, 0);
  document.body.className = bodyClass;
};
