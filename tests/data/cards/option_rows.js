(root) => Array.from(
  document.querySelectorAll(root + " .fd-choices ol > li")).map(li => ({
  letter: (li.querySelector(".fd-letter") || {}).innerText || "",
  text: (() => {
    const copy = li.cloneNode(true);
    copy.querySelectorAll(".fd-badge, .fd-letter").forEach(part => part.remove());
    return copy.textContent;
  })(),
  marks: Array.from(li.classList).filter(c => ["fd-chosen", "fd-correct", "fd-wrong"].includes(c)),
  badge: (li.querySelector(".fd-badge") || {}).innerText || ""
}))
