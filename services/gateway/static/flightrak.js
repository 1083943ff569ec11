// A button or link with data-confirm asks first (Cancel, Withdraw, leaving a form); Cancel in the dialog stops it.
document.addEventListener("click", (event) => {
  const asking = event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.dataset.confirm)) event.preventDefault();
});
