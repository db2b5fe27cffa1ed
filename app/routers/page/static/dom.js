// DOM helpers of the page.

export const $ = id => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Show the error's message (the API's own words for API errors) in the element `id`; null clears it.
export function showError(id, error) {
  $(id).textContent = error ? String(error.message || error) : "";
}
