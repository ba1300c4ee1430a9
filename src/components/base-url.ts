/** The site's base path, always ending in '/', as Astro was configured (DRILLBOOK_BASE). */
export const BASE = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;
