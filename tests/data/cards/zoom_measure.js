/* The flowchart as drawn, in CSS pixels: an SVG <img> keeps its aspect ratio inside its box
   (centred, like object-fit: contain), so what a learner sees is the smaller of the box's two
   fits, not the box. Returns the drawn width, where the chart starts and ends inside the frame's
   visible part, and the frame's scroll state. */
(figure) => {
  const image = figure.querySelector("img");
  const frame = figure.querySelector(".fd-figure-frame");
  const style = getComputedStyle(image);
  const inset = (a, b) => parseFloat(style[a]) + parseFloat(style[b]);
  const boxWidth = image.clientWidth - inset("paddingLeft", "paddingRight");
  const boxHeight = image.clientHeight - inset("paddingTop", "paddingBottom");
  const ratio = image.naturalWidth / image.naturalHeight;
  const drawn = Math.min(boxWidth, boxHeight * ratio);
  const imageLeft = image.getBoundingClientRect().left - frame.getBoundingClientRect().left;
  const chartLeft = imageLeft + parseFloat(style.paddingLeft) + (boxWidth - drawn) / 2;
  return {
    drawn: drawn,
    chartLeft: chartLeft,
    chartRight: chartLeft + drawn,
    frameWidth: frame.clientWidth,
    scrollWidth: frame.scrollWidth,
  };
}
