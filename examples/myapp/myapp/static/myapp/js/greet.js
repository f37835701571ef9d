export function greet(name) {
  return `Hello from ${name}, loaded as a hashed ES module.`;
}
