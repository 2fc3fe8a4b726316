/**
 * The confirmation every action asks for: a modal dialog with the action's words, an optional extra field (a block's
 * duration) and a reason kept in the campaign's history.
 */

export interface Confirmed {
  reason: string;
  /** The extra field's value, when there was one. */
  extra: string | null;
}

/** Ask; resolves with the reason (and extra value), or null when cancelled. */
export function confirmAction(text: string, extra?: HTMLElement & { value: string }): Promise<Confirmed | null> {
  const dialog = document.getElementById("confirm") as HTMLDialogElement;
  (document.getElementById("confirm-text") as HTMLElement).textContent = text;
  const extraBox = document.getElementById("confirm-extra") as HTMLElement;
  extraBox.replaceChildren(...(extra ? [extra] : []));
  const reason = document.getElementById("confirm-reason") as HTMLInputElement;
  reason.value = "";
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => resolve(dialog.returnValue === "ok" ? { reason: reason.value, extra: extra ? extra.value : null } : null),
      { once: true },
    );
    dialog.returnValue = "";
    dialog.showModal();
  });
}
