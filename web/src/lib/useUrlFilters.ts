import { useCallback, useMemo } from "react";
import { useLocation, useSearch } from "wouter";
import { filtersFromUrl, filtersToUrl, type Filters } from "./query";

/** The search filters, held in the URL (bookmarkable; back and forward work). */
export function useUrlFilters(): [Filters, (change: Partial<Filters>, replace?: boolean) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const filters = useMemo(() => filtersFromUrl(search), [search]);
  const update = useCallback(
    (change: Partial<Filters>, replace = false) => {
      navigate(`${location}${filtersToUrl({ ...filtersFromUrl(window.location.search), ...change })}`, { replace });
    },
    [location, navigate],
  );
  return [filters, update];
}
